// The home screen's state: the caller's sessions, kept live by WatchInbox.
import {
  InboxEventKind,
  isTerminal,
  SessionStatus,
  timestampMs,
  watchInbox,
  type InboxEvent,
  type Session,
  type StreamState,
} from "@switchboard/client/web";
import { api, errorText, streamRetry } from "./api";
import { Store } from "./store";
import { notifyQuestion } from "./notify";
import { worthNotifying } from "./notify-rule";

/** Open questions that still matter: an ended session's unanswered questions are moot. */
export function openCount(s: Session): number {
  return isTerminal(s.status) ? 0 : s.openQuestionCount;
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
  loaded = false;
  loadingMore = false;
  error = "";
  nextPageToken = "";
  conn: StreamState = "connecting";
  cursor = 0n;
  private ctl = new AbortController();
  private pending = new Map<string, ReturnType<typeof setTimeout>>();

  get list(): Session[] {
    return sortSessions([...this.sessions.values()]);
  }

  get openQuestionTotal(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += openCount(s);
    return n;
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
    void this.watch();
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
    const res = await api.listSessions({ pageSize: 200, pageToken: token }, { signal: this.ctl.signal });
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

  /** Replaces one session (after the session page changed it, or an event). */
  put(s: Session): void {
    this.sessions.set(s.id, s);
    this.changed();
  }

  private async watch(): Promise<void> {
    try {
      for await (const ev of watchInbox(api, this.cursor, {
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
      }
    }
  }

  private apply(ev: InboxEvent): void {
    const s = this.sessions.get(ev.sessionId);
    if (ev.kind === InboxEventKind.QUESTION_ASKED) this.questions.set(ev.sessionId, ev.questionText);
    else if (ev.openQuestionCount === 0 && ev.kind !== InboxEventKind.SESSION_RENAMED) this.questions.delete(ev.sessionId);
    if (ev.kind === InboxEventKind.SESSION_DELETED) {
      this.sessions.delete(ev.sessionId);
      this.changed();
      return;
    }
    if (s) {
      if (ev.sessionName) s.name = ev.sessionName;
      if (ev.status) s.status = ev.status;
      if (ev.kind !== InboxEventKind.SESSION_RENAMED) s.openQuestionCount = ev.openQuestionCount;
      if (ev.createTime && (!s.lastActivityTime || timestampMs(ev.createTime) > timestampMs(s.lastActivityTime))) {
        s.lastActivityTime = ev.createTime;
      }
      this.changed();
    }
    this.refresh(ev.sessionId);
    if (worthNotifying(ev, Date.now())) {
      notifyQuestion(ev.sessionId, ev.agentName, ev.sessionName, ev.questionText);
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
          if (res.session) this.put(res.session);
        } catch {
          /* deleted or offline: the next event fixes it */
        }
      }, 250),
    );
  }
}

let current: Inbox | null = null;

export function inbox(): Inbox {
  if (!current) {
    current = new Inbox();
    void current.start();
  }
  return current;
}

export function resetInbox(): void {
  current?.stop();
  current = null;
}
