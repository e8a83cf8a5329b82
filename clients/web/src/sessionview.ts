// One session page's live state: GetSession + latest history page + WatchSession tail.
import {
  ListDirection,
  ProjectRole,
  SessionStatus,
  watchSession,
  type Answer,
  type ApprovalResult,
  type DiffSummary,
  type GetDiffResponse,
  type Message,
  type Question,
  type Session,
  type StreamState,
  type ToolApproval,
} from "@switchboard/client/web";
import { api, errorText, streamRetry } from "./api";
import { Feed } from "./feed";
import { Store } from "./store";
import { inbox } from "./inbox";
import { newerSession } from "./snapshot";

export class SessionView extends Store {
  session: Session | null = null;
  /** My effective role on the session, from GetSession (UNSPECIFIED until it answers). */
  callerRole: ProjectRole = ProjectRole.UNSPECIFIED;
  open = new Map<string, Question>();
  answers = new Map<string, Answer>();
  /** Every tool approval seen (feed or GetSession), by id. */
  approvals = new Map<string, ToolApproval>();
  /** Decisions by approval id: from the feed, or from this page's own DecideApproval. */
  approvalResults = new Map<string, ApprovalResult>();
  /** Approval ids whose request message is in the feed (the card renders there). */
  approvalInFeed = new Set<string>();
  feed = new Feed<Message>();
  conn: StreamState = "connecting";
  error = "";
  notFound = false;
  loadingOlder = false;
  diff: GetDiffResponse | null = null;
  diffLoading = false;
  /** Bumped when live messages arrive (the page scrolls down if it was at the bottom). */
  liveTick = 0;
  private ctl = new AbortController();
  /** session.last_seq when GetSession answered: later messages update the session state. */
  private snapSeq = 0n;

  constructor(readonly id: string) {
    super();
  }

  get openQuestions(): Question[] {
    return [...this.open.values()];
  }

  /** Approvals with no decision yet, oldest first. */
  get openApprovals(): ToolApproval[] {
    return [...this.approvals.values()].filter((a) => !this.approvalResults.has(a.id));
  }

  get ended(): boolean {
    const st = this.session?.status ?? 0;
    return st >= 4 && st <= 6;
  }

  async start(): Promise<void> {
    const signal = this.ctl.signal;
    try {
      const got = await api.getSession({ sessionId: this.id }, { signal });
      this.session = got.session ?? null;
      this.callerRole = got.callerRole;
      this.snapSeq = this.session?.lastSeq ?? 0n;
      for (const q of got.openQuestions) this.open.set(q.id, q);
      for (const a of got.openApprovals) this.approvals.set(a.id, a);
      const page = await api.listMessages(
        { sessionId: this.id, direction: ListDirection.BACKWARD, pageSize: 50 },
        { signal },
      );
      this.absorb(this.feed.addOlderPage(page.messages, page.nextPageToken), false);
      this.changed();
      if (this.session?.diffSummary) void this.loadDiff();
    } catch (e) {
      if (signal.aborted) return;
      this.error = errorText(e);
      this.notFound = /not.?found/i.test(this.error) || (e as { code?: number }).code === 5;
      this.changed();
      return;
    }
    void this.watch();
  }

  stop(): void {
    this.ctl.abort();
  }

  private async watch(): Promise<void> {
    try {
      for await (const m of watchSession(api, this.id, this.feed.highSeq, {
        signal: this.ctl.signal,
        retryIf: streamRetry,
        onState: (s) => {
          this.conn = s;
          this.changed();
        },
      })) {
        const fresh = this.feed.add([m]);
        if (fresh.length) {
          this.absorb(fresh, true);
          this.liveTick++;
          this.changed();
        }
      }
    } catch (e) {
      if (this.ctl.signal.aborted) return;
      this.error = errorText(e);
      this.notFound = (e as { code?: number }).code === 5;
      this.conn = "closed";
      this.changed();
    }
  }

  /** Updates derived state from new messages (live ones also update the session). */
  private absorb(msgs: Message[], live: boolean): void {
    for (const m of msgs) {
      const b = m.body;
      if (b.case === "answer") {
        this.answers.set(b.value.questionId, b.value);
        this.open.delete(b.value.questionId);
      } else if (b.case === "approval") {
        this.approvals.set(b.value.id, b.value);
        this.approvalInFeed.add(b.value.id);
        // A session rule decided it at once: no later decision message may come.
        if (b.value.result) this.approvalResults.set(b.value.id, b.value.result);
      } else if (b.case === "approvalResult") {
        // The feed's decision is the stored one: it replaces what this page guessed.
        this.approvalResults.set(b.value.approvalId, b.value);
      }
      // History newer than the GetSession snapshot counts as live (it raced the two calls).
      if (!(live || m.seq > this.snapSeq) || !this.session) continue;
      const s = this.session;
      if (m.createTime) s.lastActivityTime = m.createTime;
      if (m.seq > s.lastSeq) s.lastSeq = m.seq;
      switch (b.case) {
        case "question":
          if (!this.answers.has(b.value.id)) this.open.set(b.value.id, b.value);
          break;
        case "statusChange":
          s.status = b.value.toStatus;
          if (b.value.toStatus >= 4 && b.value.toStatus <= 6) this.open.clear();
          // Why it stopped (reason, exit code, last output) and the runner are not in the
          // feed's status change: read them once the session is stopping or has ended.
          if (live && (this.ended || b.value.toStatus === SessionStatus.STOPPING)) void this.refreshEnding();
          break;
        case "usageUpdate":
          s.usage = b.value.usage;
          break;
        case "diffUpdate":
          s.diffSummary = b.value.summary as DiffSummary | undefined;
          void this.loadDiff();
          break;
      }
      s.openQuestionCount = this.open.size;
      s.openApprovalCount = this.ended ? 0 : this.openApprovals.length;
    }
    if (live && this.session && msgs.length) inbox().put({ ...this.session });
  }

  private async refreshEnding(): Promise<void> {
    try {
      const got = await api.getSession({ sessionId: this.id }, { signal: this.ctl.signal });
      const fresh = got.session;
      if (!fresh || !this.session) return;
      Object.assign(this.session, {
        stopReason: fresh.stopReason,
        exitCode: fresh.exitCode,
        lastOutputLines: fresh.lastOutputLines,
        runnerId: fresh.runnerId,
        summary: fresh.summary,
      });
      this.changed();
    } catch {
      // The page keeps what it shows; the next status change or a reload reads it again.
    }
  }

  async loadOlder(): Promise<void> {
    if (this.loadingOlder || !this.feed.hasOlder || !this.feed.olderToken) return;
    this.loadingOlder = true;
    this.changed();
    try {
      const page = await api.listMessages(
        { sessionId: this.id, direction: ListDirection.BACKWARD, pageSize: 50, pageToken: this.feed.olderToken },
        { signal: this.ctl.signal },
      );
      this.absorb(this.feed.addOlderPage(page.messages, page.nextPageToken), false);
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.loadingOlder = false;
      this.changed();
    }
  }

  async loadDiff(): Promise<void> {
    this.diffLoading = true;
    this.changed();
    try {
      this.diff = await api.getDiff({ sessionId: this.id }, { signal: this.ctl.signal });
    } catch (e) {
      if (!this.ctl.signal.aborted) this.error = errorText(e);
    } finally {
      this.diffLoading = false;
      this.changed();
    }
  }

  /** A write's answer (stop, rename): kept unless the feed has already shown later messages. */
  setSession(s: Session | undefined): void {
    if (!s) return;
    this.session = newerSession(this.session, s);
    inbox().put({ ...this.session });
    this.changed();
  }

  /** This page decided an approval (the feed confirms it a moment later). */
  decided(r: ApprovalResult): void {
    if (!this.approvalResults.has(r.approvalId)) this.approvalResults.set(r.approvalId, r);
    if (this.session) {
      this.session.openApprovalCount = this.openApprovals.length;
      inbox().put({ ...this.session });
    }
    this.changed();
  }

  dropQuestion(id: string): void {
    this.open.delete(id);
    this.changed();
  }
}
