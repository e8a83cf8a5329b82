// The home screen's state: the chosen project's sessions, kept live by its WatchInbox (or the
// sessions shared with me, which have no inbox: each is watched on its own page).
import {
  ApprovalResultSchema,
  Code,
  ConnectError,
  InboxEventKind,
  ListDirection,
  Sender,
  create,
  isTerminal,
  SessionStatus,
  timestampMs,
  watchInbox,
  type InboxEvent,
  type ApprovalResult,
  type Session,
  type StreamState,
  type ToolApproval,
} from "@switchboard/client/web";
import { api, errorText, streamRetry } from "./api";
import { Store } from "./store";
import { notifyQuestion } from "./notify";
import { worthNotifying } from "./notify-rule";
import { projects } from "./projects";
import { SHARED } from "./roles";
import { newerSession } from "./snapshot";

/** Open questions that still matter: an ended session's unanswered questions are moot. */
export function openQuestions(s: Session): number {
  return isTerminal(s.status) ? 0 : s.openQuestionCount;
}

/** Open tool approvals that still matter (none once the session ended). */
export function openApprovals(s: Session): number {
  return isTerminal(s.status) ? 0 : s.openApprovalCount;
}

/** Everything that waits for a person in a session: open questions and open approvals. */
export function openCount(s: Session): number {
  return openQuestions(s) + openApprovals(s);
}

/** "1 question", "2 approvals", "1 question, 1 approval". */
export function waitingText(questions: number, approvals: number): string {
  const parts: string[] = [];
  if (questions) parts.push(`${questions} question${questions === 1 ? "" : "s"}`);
  if (approvals) parts.push(`${approvals} approval${approvals === 1 ? "" : "s"}`);
  return parts.join(", ");
}

/** An approval card on the home screen: open, or decided while the screen showed it. */
export interface InboxApproval {
  sessionId: string;
  approval: ToolApproval;
  result?: ApprovalResult;
}

export function sortSessions(list: Session[]): Session[] {
  const act = (s: Session) => (s.lastActivityTime ? timestampMs(s.lastActivityTime) : 0);
  return list.sort((a, b) => {
    const wa = a.status === SessionStatus.AWAITING_INPUT || openCount(a) > 0 ? 0 : 1;
    const wb = b.status === SessionStatus.AWAITING_INPUT || openCount(b) > 0 ? 0 : 1;
    return wa - wb || act(b) - act(a);
  });
}

export class Inbox extends Store {
  sessions = new Map<string, Session>();
  /** The latest open question's text per session (from QUESTION_ASKED events). */
  questions = new Map<string, string>();
  /** Approval cards for the home screen, by approval id, oldest first. */
  approvals = new Map<string, InboxApproval>();
  loaded = false;
  loadingMore = false;
  error = "";
  nextPageToken = "";
  conn: StreamState = "connecting";
  cursor = 0n;
  private ctl = new AbortController();
  private pending = new Map<string, ReturnType<typeof setTimeout>>();

  /** `scope`: a project id, or SHARED. */
  constructor(readonly scope: string) {
    super();
  }

  get shared(): boolean {
    return this.scope === SHARED;
  }

  get list(): Session[] {
    return sortSessions([...this.sessions.values()]);
  }

  get openQuestionTotal(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += openQuestions(s);
    return n;
  }

  get openApprovalTotal(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += openApprovals(s);
    return n;
  }

  /** Open questions and approvals: the page title's count. */
  get waitingTotal(): number {
    return this.openQuestionTotal + this.openApprovalTotal;
  }

  /** The cards to show: open approvals of sessions still running, and those decided since. */
  get approvalCards(): InboxApproval[] {
    return [...this.approvals.values()].filter((x) => {
      const s = this.sessions.get(x.sessionId);
      return s && (x.result || !isTerminal(s.status));
    });
  }

  /** Forgets decided cards (the home screen shows a decision only while it is on screen). */
  pruneDecided(): void {
    let n = 0;
    for (const [id, x] of this.approvals) if (x.result && this.approvals.delete(id)) n++;
    if (n) this.changed();
  }

  /** The person decided an approval on this screen. */
  decided(sessionId: string, r: ApprovalResult): void {
    const x = this.approvals.get(r.approvalId);
    if (x && !x.result) x.result = r;
    const s = this.sessions.get(sessionId);
    if (s && s.openApprovalCount > 0) s.openApprovalCount--;
    this.changed();
  }

  agents(): { id: string; name: string }[] {
    const m = new Map<string, string>();
    for (const s of this.sessions.values()) m.set(s.agentId, s.agentName);
    return [...m].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async start(): Promise<void> {
    try {
      await this.loadPage("");
      this.loaded = true;
      this.changed();
    } catch (e) {
      this.error = errorText(e);
      this.loaded = true;
      this.changed();
    }
    if (!this.shared) void this.watch();
  }

  stop(): void {
    this.ctl.abort();
    this.pending.forEach((t) => clearTimeout(t));
  }

  async loadMore(): Promise<void> {
    if (!this.nextPageToken || this.loadingMore) return;
    this.loadingMore = true;
    this.changed();
    try {
      await this.loadPage(this.nextPageToken);
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.loadingMore = false;
      this.changed();
    }
  }

  private async loadPage(token: string): Promise<void> {
    const scope = this.shared ? { sharedWithMe: true } : { projectId: this.scope };
    const res = await api.listSessions({ pageSize: 200, pageToken: token, ...scope }, { signal: this.ctl.signal });
    // The first page fixes the snapshot: the inbox stream resumes right after it, so it replays
    // nothing the list already shows and everything it delivers is news (worth a notification).
    if (!token) this.cursor = res.inboxCursor;
    for (const s of res.sessions) {
      this.sessions.set(s.id, s);
      // The row shows the open question's text, which only GetSession carries.
      if (openCount(s) > 0) this.refresh(s.id);
    }
    this.nextPageToken = res.nextPageToken;
    this.error = "";
  }

  /** Reads the list again (the shared list has no live feed). */
  async reload(): Promise<void> {
    const old = this.sessions;
    this.sessions = new Map();
    try {
      await this.loadPage("");
    } catch (e) {
      this.sessions = old;
      this.error = errorText(e);
    }
    this.changed();
  }

  /** Replaces one session (after the session page changed it, or an event). */
  put(s: Session): void {
    // A session page of another project (or a shared session) must not join this list.
    if (!this.sessions.has(s.id) && (this.shared || s.projectId !== this.scope)) return;
    this.sessions.set(s.id, newerSession(this.sessions.get(s.id), s));
    this.changed();
  }

  private async watch(): Promise<void> {
    try {
      for await (const ev of watchInbox(api, this.cursor, {
        projectId: this.scope,
        signal: this.ctl.signal,
        retryIf: streamRetry,
        onState: (st) => {
          this.conn = st;
          this.changed();
        },
      })) {
        this.cursor = ev.cursor;
        this.apply(ev);
      }
    } catch (e) {
      if (!this.ctl.signal.aborted) {
        this.error = errorText(e);
        this.conn = "closed";
        this.changed();
        // Removed from the project (or it was deleted): the switcher falls back to another one.
        const code = ConnectError.from(e).code;
        if (code === Code.PermissionDenied || code === Code.NotFound) void projects().load();
      }
    }
  }

  private apply(ev: InboxEvent): void {
    const s = this.sessions.get(ev.sessionId);
    if (ev.kind === InboxEventKind.QUESTION_ASKED) this.questions.set(ev.sessionId, ev.questionText);
    else if (ev.openQuestionCount === 0 && ev.kind !== InboxEventKind.SESSION_RENAMED) this.questions.delete(ev.sessionId);
    if (ev.kind === InboxEventKind.APPROVAL_DECIDED) {
      const x = this.approvals.get(ev.approvalId);
      // Provisional (the event does not say who): refresh() reads the stored decision.
      if (x && !x.result) {
        x.result = create(ApprovalResultSchema, { approvalId: ev.approvalId, decision: ev.approvalDecision, decideTime: ev.createTime });
      }
    }
    if (ev.kind === InboxEventKind.SESSION_DELETED) {
      for (const [id, x] of this.approvals) if (x.sessionId === ev.sessionId) this.approvals.delete(id);
      this.sessions.delete(ev.sessionId);
      this.changed();
      return;
    }
    if (s) {
      if (ev.sessionName) s.name = ev.sessionName;
      if (ev.status) s.status = ev.status;
      if (ev.kind !== InboxEventKind.SESSION_RENAMED) {
        s.openQuestionCount = ev.openQuestionCount;
        s.openApprovalCount = ev.openApprovalCount;
      }
      if (ev.createTime && (!s.lastActivityTime || timestampMs(ev.createTime) > timestampMs(s.lastActivityTime))) {
        s.lastActivityTime = ev.createTime;
      }
      this.changed();
    }
    this.refresh(ev.sessionId);
    if (worthNotifying(ev, Date.now())) {
      const text = ev.kind === InboxEventKind.APPROVAL_REQUESTED ? `${ev.toolName}: ${ev.approvalSummary}` : ev.questionText;
      notifyQuestion(ev.sessionId, ev.agentName, ev.sessionName, text);
    }
  }

  /** Re-reads one session soon (coalesced), for fields events do not carry (cost, times). */
  refresh(id: string): void {
    if (this.pending.has(id)) return;
    this.pending.set(
      id,
      setTimeout(async () => {
        this.pending.delete(id);
        try {
          const res = await api.getSession({ sessionId: id }, { signal: this.ctl.signal });
          const latest = res.openQuestions.at(-1);
          if (latest) this.questions.set(id, latest.text);
          else this.questions.delete(id);
          const open = new Set(res.openApprovals.map((a) => a.id));
          for (const a of res.openApprovals) if (!this.approvals.has(a.id)) this.approvals.set(a.id, { sessionId: id, approval: a });
          // Cards of this session that are no longer open were decided: read who decided.
          const gone = [...this.approvals.values()].filter(
            (x) => x.sessionId === id && !open.has(x.approval.id) && (!x.result || x.result.decidedBy === Sender.UNSPECIFIED),
          );
          if (gone.length) await this.readDecisions(id, gone);
          if (res.session) this.put(res.session);
          else this.changed();
        } catch {
          /* deleted or offline: the next event fixes it */
        }
      }, 250),
    );
  }

  /** The stored decisions of `cards` (the newest messages of the session hold them). */
  private async readDecisions(sessionId: string, cards: InboxApproval[]): Promise<void> {
    const page = await api.listMessages({ sessionId, direction: ListDirection.BACKWARD, pageSize: 100 }, { signal: this.ctl.signal });
    for (const m of page.messages) {
      if (m.body.case !== "approvalResult") continue;
      const x = cards.find((c) => c.approval.id === (m.body.value as ApprovalResult).approvalId);
      if (x) x.result = m.body.value;
    }
  }
}

let current: Inbox | null = null;

/** The inbox of the chosen project; switching projects stops the old watch and starts a new one. */
export function inbox(): Inbox {
  const scope = projects().currentId;
  if (!current || current.scope !== scope) {
    current?.stop();
    current = new Inbox(scope);
    void current.start();
  }
  return current;
}

export function resetInbox(): void {
  current?.stop();
  current = null;
}
