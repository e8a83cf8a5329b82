import type { Client, CallOptions } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import {
  AgentService,
  type AskQuestionResponse,
  type LogStepResponse,
  type ReportDiffResponse,
  type HeartbeatResponse,
  type SubscribeResponse,
} from "./gen/switchboard/v1/agent_service_pb.js";
import {
  ChoiceMode,
  QuestionOptionSchema,
  SessionOutcome,
  SessionStatus,
  type Answer,
  type Message,
  type Question,
  type Session,
} from "./gen/switchboard/v1/model_pb.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { resumingStream, type StreamState } from "./stream.js";
import type { ConnectError } from "@connectrpc/connect";

export type AgentClient = Client<typeof AgentService>;

const terminal = new Set<SessionStatus>([SessionStatus.COMPLETED, SessionStatus.FAILED, SessionStatus.STOPPED]);

export interface StartOptions {
  /** The agent's name ("claude-code"); created on first use. */
  agentName: string;
  /** Session name shown to people (defaults on the server to agent name + start time). */
  name?: string;
  /** Resume this session (UUID) instead of starting a new one. */
  sessionId?: string;
  metadata?: Record<string, string>;
  /** Retry policy for every write of this session. */
  retry?: RetryOptions;
}

/**
 * Thrown by waitForAnswer / askAndWait when the session is STOPPING or has ended before the
 * question was answered: a person asked the agent to stop, so it should wrap up and call end().
 */
export class SessionStoppingError extends Error {
  constructor(
    readonly status: SessionStatus,
    readonly questionId: string,
  ) {
    super(`session is ${SessionStatus[status]}: no answer to question ${questionId} will come`);
    this.name = "SessionStoppingError";
  }
}

/** An option of a question: an id and a label, or just a label (its id is then "1", "2", ...). */
export type OptionInit = string | { id: string; label: string; description?: string };

export interface AskOptions {
  options?: OptionInit[];
  /** Allow several options (CHOICE_MODE_MULTIPLE). */
  multiple?: boolean;
  allowFreeText?: boolean;
  /** Time the person has before the default applies. */
  timeoutMs?: number;
  defaultOptionIds?: string[];
  defaultText?: string;
}

export interface WaitOptions {
  /** Give up after this long (default: wait forever, in server-side rounds of `roundMs`). */
  timeoutMs?: number;
  /** Length of one WaitForAnswer call (default 60 s; the server caps it at 15 min). */
  roundMs?: number;
  signal?: AbortSignal;
}

export interface MessagesOptions {
  /** Replay after this seq (default: the last seq this helper has seen, 0 at first). */
  afterSeq?: bigint;
  signal?: AbortSignal;
  onState?: (state: StreamState, error?: ConnectError) => void;
}

/**
 * One agent session: logs steps, asks questions and waits for answers, reads the person's
 * messages, reports diff and usage, and ends the session. Every write gets one request id that
 * is reused on its retries, so a retry never writes twice.
 */
export class AgentSession {
  /** The highest seq this helper has delivered from Subscribe (resume point). */
  lastSeq = 0n;
  /** User messages returned by LogStep, not yet taken with takeQueued(). */
  private queued: Message[] = [];

  private constructor(
    readonly client: AgentClient,
    public session: Session,
    readonly resumed: boolean,
    private readonly retry: RetryOptions,
  ) {}

  /** Starts (or resumes, with `sessionId`) a session. */
  static async start(client: AgentClient, opts: StartOptions): Promise<AgentSession> {
    const retry = opts.retry ?? {};
    const res = await withRetry(
      (requestId) =>
        client.startSession({
          agentName: opts.agentName,
          name: opts.name ?? "",
          sessionId: opts.sessionId ?? "",
          metadata: opts.metadata ?? {},
          requestId,
        }),
      retry,
    );
    return new AgentSession(client, res.session!, res.resumed, retry);
  }

  get id(): string {
    return this.session.id;
  }

  /** Logs a progress step; user messages that were waiting come back in `queuedMessages`. */
  async step(text: string, call?: CallOptions): Promise<LogStepResponse> {
    const res = await withRetry(
      (requestId) => this.client.logStep({ sessionId: this.id, text, requestId }, call),
      { ...this.retry, signal: call?.signal ?? this.retry.signal },
    );
    this.queued.push(...res.queuedMessages);
    if (res.status) this.session.status = res.status;
    return res;
  }

  /** User messages received through step() since the last call. */
  takeQueued(): Message[] {
    const q = this.queued;
    this.queued = [];
    return q;
  }

  /** Asks a question and returns at once with the stored question. */
  async ask(text: string, opts: AskOptions = {}): Promise<AskQuestionResponse> {
    const options = (opts.options ?? []).map((o, i) =>
      create(QuestionOptionSchema, typeof o === "string" ? { id: String(i + 1), label: o } : o),
    );
    return await withRetry(
      (requestId) =>
        this.client.askQuestion({
          sessionId: this.id,
          text,
          options,
          choiceMode: opts.multiple ? ChoiceMode.MULTIPLE : ChoiceMode.SINGLE,
          allowFreeText: opts.allowFreeText ?? options.length === 0,
          timeout: opts.timeoutMs !== undefined ? durationFromMs(opts.timeoutMs) : undefined,
          defaultOptionIds: opts.defaultOptionIds ?? [],
          defaultText: opts.defaultText ?? "",
          requestId,
        }),
      this.retry,
    );
  }

  /**
   * Waits for the answer to a question (in rounds of WaitForAnswer; nothing polls in between).
   * Throws SessionStoppingError when the session is stopping or ended first.
   */
  async waitForAnswer(questionId: string, opts: WaitOptions = {}): Promise<Answer> {
    const until = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
    const round = opts.roundMs ?? 60_000;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no answer to question ${questionId} in ${opts.timeoutMs} ms`);
      const wait = Math.max(1000, Math.min(round, left));
      const res = await withRetry(
        () =>
          this.client.waitForAnswer(
            { sessionId: this.id, questionId, timeout: durationFromMs(wait) },
            { signal: opts.signal, timeoutMs: wait + 15_000 },
          ),
        { ...this.retry, signal: opts.signal },
      );
      if (res.answered && res.answer) return res.answer;
      if (res.status) this.session.status = res.status;
      if (res.status === SessionStatus.STOPPING || terminal.has(res.status)) {
        throw new SessionStoppingError(res.status, questionId);
      }
    }
  }

  /** Asks and waits for the answer. */
  async askAndWait(text: string, opts: AskOptions & WaitOptions = {}): Promise<{ question: Question; answer: Answer }> {
    const asked = await this.ask(text, opts);
    const answer = await this.waitForAnswer(asked.question!.id, opts);
    return { question: asked.question!, answer };
  }

  /**
   * Everything the agent must react to (user messages, answers, status changes) as an async
   * iterator over Subscribe. Reconnects with backoff and resumes after the last seq seen, so no
   * event is lost or repeated; ends after the status change that makes the session terminal, or when the signal aborts.
   */
  messages(opts: MessagesOptions = {}): AsyncGenerator<Message, void, undefined> {
    const self = this;
    const inner = resumingStream<SubscribeResponse, Message>({
      after: opts.afterSeq ?? this.lastSeq,
      signal: opts.signal,
      onState: opts.onState,
      open: (after, signal, onOpen) =>
        this.client.subscribe({ sessionId: this.id, afterSeq: after }, { signal, onHeader: onOpen }),
      classify: (r) =>
        r.item.case === "message"
          ? { kind: "item" as const, pos: r.item.value.seq, value: r.item.value }
          : r.item.case === "heartbeat"
            ? { kind: "heartbeat" as const, highWater: r.item.value.highWater }
            : { kind: "skip" as const },
    });
    return (async function* () {
      for await (const m of inner) {
        if (m.seq > self.lastSeq) self.lastSeq = m.seq;
        if (m.body.case === "statusChange") self.session.status = m.body.value.toStatus;
        yield m;
        // A terminal session has nothing more to say: end even if the server keeps the stream open.
        if (m.body.case === "statusChange" && terminal.has(m.body.value.toStatus)) return;
      }
    })();
  }

  /** Reports the working tree's current unified diff (empty = clean). */
  async reportDiff(diff: string): Promise<ReportDiffResponse> {
    return await withRetry(
      (requestId) => this.client.reportDiff({ sessionId: this.id, diff, requestId }),
      this.retry,
    );
  }

  /** Reports cumulative usage totals (cost in micro-dollars). */
  async reportUsage(usage: { inputTokens?: bigint | number; outputTokens?: bigint | number; costMicros?: bigint | number }): Promise<bigint> {
    const res = await withRetry(
      (requestId) =>
        this.client.reportUsage({
          sessionId: this.id,
          usage: {
            inputTokens: BigInt(usage.inputTokens ?? 0),
            outputTokens: BigInt(usage.outputTokens ?? 0),
            costMicros: BigInt(usage.costMicros ?? 0),
          },
          requestId,
        }),
      this.retry,
    );
    return res.seq;
  }

  /** Tells the server the agent is alive. */
  async heartbeat(): Promise<HeartbeatResponse> {
    const res = await withRetry(() => this.client.heartbeat({ sessionId: this.id }), this.retry);
    if (res.status) this.session.status = res.status;
    return res;
  }

  /** Ends the session (COMPLETED by default, FAILED with `failed: true`). */
  async end(summary = "", opts: { failed?: boolean } = {}): Promise<Session> {
    const res = await withRetry(
      (requestId) =>
        this.client.endSession({
          sessionId: this.id,
          outcome: opts.failed ? SessionOutcome.FAILED : SessionOutcome.COMPLETED,
          summary,
          requestId,
        }),
      this.retry,
    );
    this.session = res.session!;
    return this.session;
  }

  /** True once a person asked the agent to stop (seen on a step, heartbeat or the stream). */
  get stopRequested(): boolean {
    return this.session.status === SessionStatus.STOPPING || this.session.status === SessionStatus.STOPPED;
  }
}
