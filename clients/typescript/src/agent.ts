import type { Client, CallOptions } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import {
  AgentService,
  type AcknowledgeMessagesResponse,
  type AskQuestionResponse,
  type RequestApprovalResponse,
  type ResolveApprovalResponse,
  type LogStepResponse,
  type ReportDiffResponse,
  type HeartbeatResponse,
  type SubscribeResponse,
} from "./gen/switchboard/v1/agent_service_pb.js";
import {
  ApprovalDecision,
  ChoiceMode,
  QuestionOptionSchema,
  SessionOutcome,
  SessionStatus,
  type Answer,
  type ApprovalResult,
  type Message,
  type QuestionOption,
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
  /**
   * Resume this existing session of yours (NOT_FOUND when it names none); leave it out to start
   * a new session, whose id the server chooses.
   */
  sessionId?: string;
  metadata?: Record<string, string>;
  /** Retry policy for every write of this session. */
  retry?: RetryOptions;
}

/**
 * Thrown by ask / waitForAnswer when a person asked the agent to stop (the session is STOPPING)
 * before the question was answered: wrap up and call end(), which ends the session STOPPED.
 */
export class StopRequestedError extends Error {
  readonly status = SessionStatus.STOPPING;
  /**
   * `questionId` is the id of what was waited for: a question, or a tool approval (then `kind` is
   * "approval": requestApproval / waitForApproval).
   */
  constructor(
    readonly questionId: string,
    readonly kind: "question" | "approval" = "question",
  ) {
    super(
      kind === "approval"
        ? `a person asked the agent to stop: no decision on approval ${questionId} will come (do not run the tool)`
        : `a person asked the agent to stop: no answer to question ${questionId} will come`,
    );
    this.name = "StopRequestedError";
  }
}

/** Thrown by ask / waitForAnswer / requestApproval when the session ended (COMPLETED, FAILED or STOPPED) first. */
export class SessionEndedError extends Error {
  constructor(
    readonly status: SessionStatus,
    readonly questionId: string,
    readonly kind: "question" | "approval" = "question",
  ) {
    super(
      kind === "approval"
        ? `session is ${SessionStatus[status]}: no decision on approval ${questionId} will come`
        : `session is ${SessionStatus[status]}: no answer to question ${questionId} will come`,
    );
    this.name = "SessionEndedError";
  }
}

/** Thrown by requestApproval / waitForApproval when `waitTimeoutMs` passed with no decision. */
export class ApprovalTimeoutError extends Error {
  constructor(readonly approvalId: string, readonly timeoutMs: number) {
    super(`no decision on approval ${approvalId} in ${timeoutMs} ms`);
    this.name = "ApprovalTimeoutError";
  }
}

/** Thrown by ask / waitForAnswer when `timeoutMs` passed with no answer. */
export class AnswerTimeoutError extends Error {
  constructor(readonly questionId: string, readonly timeoutMs: number) {
    super(`no answer to question ${questionId} in ${timeoutMs} ms`);
    this.name = "AnswerTimeoutError";
  }
}

/** An option of a question: a label (its id is derived, see optionSlug), or an id and a label. */
export type OptionInit = string | { id?: string; label: string; description?: string };

const notId = /[^a-z0-9_.]+/g;
const maxOptionId = 64;

/**
 * The id part derived from one label ("Ship it" -> "ship-it"; may be empty). The same rule in
 * every Switchboard helper (shared vectors: clients/testdata/option_ids.json): A-Z lower-cased
 * (ASCII only, so no Unicode case table matters), each run of other characters than a-z 0-9 _ .
 * made one "-", "-" and "." stripped from both ends, at most 64 characters.
 */
export function optionSlug(label: string): string {
  const trim = (s: string) => s.replace(/^[-.]+|[-.]+$/g, "");
  const slug = trim(label.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(notId, "-"));
  return slug.length > maxOptionId ? trim(slug.slice(0, maxOptionId)) : slug;
}

/**
 * Question options from labels and/or {id, label}: a label's id is its optionSlug, or "option-N"
 * (N = position) when that is empty or taken, then "option-N-2", "option-N-3", ...
 */
export function buildOptions(options: OptionInit[]): QuestionOption[] {
  const taken = new Set<string>();
  return options.map((o, i) => {
    const init = typeof o === "string" ? { label: o } : o;
    let id = init.id || optionSlug(init.label);
    if (!init.id && (id === "" || taken.has(id))) {
      const base = `option-${i + 1}`;
      id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    }
    taken.add(id);
    return create(QuestionOptionSchema, { id, label: init.label, description: init.description ?? "" });
  });
}

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

/** What ask() takes: the question's options, and how long to wait locally. */
export interface AskAndWaitOptions extends AskOptions {
  /**
   * Give up locally after this long (AnswerTimeoutError; default: wait until answered). Not to be
   * confused with `timeoutMs`, the time the person has before the default answer applies.
   */
  waitTimeoutMs?: number;
  /** Length of one WaitForAnswer call (default 60 s; the server caps it at 15 min). */
  roundMs?: number;
  signal?: AbortSignal;
}

/** What a person sees first when judging a tool call: a summary, and at most one detail. */
export interface ApprovalPreviewInit {
  /** One line, 1..280 characters ("Run cargo test"). */
  summary: string;
  shellCommand?: { command: string; description?: string; workingDirectory?: string };
  fileChange?: { path: string; unifiedDiff?: string };
  url?: { url: string; description?: string };
}

/** What requestApproval takes besides the tool's name and input. */
export interface ApprovalOptions {
  preview: ApprovalPreviewInit;
  /** The agent's own id of the tool call (lets resolveApproval name it). */
  toolUseId?: string;
  /** The person may edit the input before allowing it (the result's updatedInputJson). */
  inputEditable?: boolean;
  /** Time the person has before `defaultDecision` applies (1 s .. 7 days); no deadline if unset. */
  timeoutMs?: number;
  /** Applied when `timeoutMs` passes: DENY (the default) or ALLOW_ONCE. */
  defaultDecision?: ApprovalDecision;
  /** Give up locally after this long (ApprovalTimeoutError; default: wait until decided). */
  waitTimeoutMs?: number;
  /** Length of one WaitForApproval call (default 60 s; the server caps it at 15 min). */
  roundMs?: number;
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** Give up after this long (default: wait forever, in server-side rounds of `roundMs`). */
  timeoutMs?: number;
  /** Length of one WaitForAnswer call (default 60 s; the server caps it at 15 min). */
  roundMs?: number;
  signal?: AbortSignal;
}

export interface MessagesOptions {
  /**
   * Answers and status changes after this seq (default: the last seq this helper has seen, 0 at
   * first). Unread user messages are delivered whatever it says.
   */
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
  /**
   * The agent's read position as far as this helper knows: every user message up to it was
   * returned by step() or acknowledged, so messages() skips it.
   */
  readThroughSeq = 0n;
  /** User messages returned by LogStep, not yet taken with takeQueued(). */
  private queued: Message[] = [];

  private constructor(
    readonly client: AgentClient,
    public session: Session,
    readonly resumed: boolean,
    private readonly retry: RetryOptions,
  ) {}

  /**
   * Starts a new session (or resumes `opts.sessionId`). withRetry keeps one request id across
   * the attempts, so a retried start returns the first start's session.
   */
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
    const last = res.queuedMessages.at(-1);
    if (last && last.seq > this.readThroughSeq) this.readThroughSeq = last.seq;
    if (res.status) this.session.status = res.status;
    return res;
  }

  /**
   * Marks every user message up to `throughSeq` as read (AcknowledgeMessages), so step() does not
   * return them. messages() does this itself for each user message it hands over; call it when
   * you read Subscribe with the raw client.
   */
  async acknowledge(throughSeq: bigint, call?: CallOptions): Promise<AcknowledgeMessagesResponse> {
    const res = await withRetry(
      () => this.client.acknowledgeMessages({ sessionId: this.id, throughSeq }, call),
      { ...this.retry, signal: call?.signal ?? this.retry.signal },
    );
    if (res.readThroughSeq > this.readThroughSeq) this.readThroughSeq = res.readThroughSeq;
    return res;
  }

  /** User messages received through step() since the last call. */
  takeQueued(): Message[] {
    const q = this.queued;
    this.queued = [];
    return q;
  }

  /** Asks a question and returns at once with the stored question (see ask() to also wait). */
  async askQuestion(text: string, opts: AskOptions = {}): Promise<AskQuestionResponse> {
    const options = buildOptions(opts.options ?? []);
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
   * The server ends a waiting call at once on a stop request or the session's end: throws
   * StopRequestedError or SessionEndedError then, and AnswerTimeoutError after `timeoutMs`.
   */
  async waitForAnswer(questionId: string, opts: WaitOptions = {}): Promise<Answer> {
    const until = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
    const round = opts.roundMs ?? 60_000;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) throw new AnswerTimeoutError(questionId, opts.timeoutMs ?? 0);
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
      if (terminal.has(res.status)) throw new SessionEndedError(res.status, questionId);
      if (res.status === SessionStatus.STOPPING) throw new StopRequestedError(questionId);
    }
  }

  /**
   * Asks the person a question and waits for the answer, like every Switchboard helper's ask.
   * Throws StopRequestedError when a person asks the agent to stop meanwhile. Messages the person
   * sends meanwhile stay unread: the next step() returns them.
   */
  async ask(text: string, opts: AskAndWaitOptions = {}): Promise<Answer> {
    const asked = await this.askQuestion(text, opts);
    return await this.waitForAnswer(asked.question!.id, {
      timeoutMs: opts.waitTimeoutMs,
      roundMs: opts.roundMs,
      signal: opts.signal,
    });
  }

  /**
   * Asks the person to allow a tool call and returns at once with the stored approval (see
   * requestApproval() to also wait). `approval.result` is already set when an earlier "allow for
   * this session" covers the tool.
   */
  async askApproval(toolName: string, input: Record<string, unknown> | string, opts: ApprovalOptions): Promise<RequestApprovalResponse> {
    const p = opts.preview;
    const detail = p.shellCommand
      ? { case: "shellCommand" as const, value: { command: p.shellCommand.command, description: p.shellCommand.description ?? "", workingDirectory: p.shellCommand.workingDirectory ?? "" } }
      : p.fileChange
        ? { case: "fileChange" as const, value: { path: p.fileChange.path, unifiedDiff: p.fileChange.unifiedDiff ?? "" } }
        : p.url
          ? { case: "url" as const, value: { url: p.url.url, description: p.url.description ?? "" } }
          : { case: undefined };
    const inputJson = typeof input === "string" ? input : JSON.stringify(input);
    return await withRetry(
      (requestId) =>
        this.client.requestApproval({
          sessionId: this.id,
          toolName,
          inputJson,
          preview: { summary: p.summary, detail },
          toolUseId: opts.toolUseId ?? "",
          inputEditable: opts.inputEditable ?? false,
          timeout: opts.timeoutMs !== undefined ? durationFromMs(opts.timeoutMs) : undefined,
          defaultDecision: opts.defaultDecision ?? ApprovalDecision.UNSPECIFIED,
          requestId,
        }),
      { ...this.retry, signal: opts.signal ?? this.retry.signal },
    );
  }

  /**
   * Waits for the decision on an approval (in rounds of WaitForApproval, pushed; nothing polls
   * in between). Throws StopRequestedError or SessionEndedError (kind "approval") at once when a
   * person asks the agent to stop or the session ends, and ApprovalTimeoutError after
   * `timeoutMs`.
   */
  async waitForApproval(approvalId: string, opts: WaitOptions = {}): Promise<ApprovalResult> {
    const until = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
    const round = opts.roundMs ?? 60_000;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) throw new ApprovalTimeoutError(approvalId, opts.timeoutMs ?? 0);
      const wait = Math.max(1000, Math.min(round, left));
      const res = await withRetry(
        () =>
          this.client.waitForApproval(
            { sessionId: this.id, approvalId, timeout: durationFromMs(wait) },
            { signal: opts.signal, timeoutMs: wait + 15_000 },
          ),
        { ...this.retry, signal: opts.signal },
      );
      if (res.decided && res.result) return res.result;
      if (res.status) this.session.status = res.status;
      if (terminal.has(res.status)) throw new SessionEndedError(res.status, approvalId, "approval");
      if (res.status === SessionStatus.STOPPING) throw new StopRequestedError(approvalId, "approval");
    }
  }

  /**
   * Asks the person to allow a tool call and waits for the decision: allow once, allow for the
   * session (later calls of the tool come back decided at once), or deny with `reason`. Run the
   * tool only on an allow, with `updatedInputJson` when the person edited the input. A retried
   * request keeps its request id, so it never asks twice.
   */
  async requestApproval(toolName: string, input: Record<string, unknown> | string, opts: ApprovalOptions): Promise<ApprovalResult> {
    const res = await this.askApproval(toolName, input, opts);
    const a = res.approval!;
    if (a.result) return a.result;
    return await this.waitForApproval(a.id, { timeoutMs: opts.waitTimeoutMs, roundMs: opts.roundMs, signal: opts.signal });
  }

  /**
   * Reports that the agent's own terminal prompt answered an approval first (by `approvalId`, or
   * `toolUseId` as given to requestApproval). The first decision wins: `applied` is false when
   * one was stored already, and `result` is that one.
   */
  async resolveApproval(
    ref: { approvalId?: string; toolUseId?: string },
    decision: ApprovalDecision,
    reason = "",
  ): Promise<ResolveApprovalResponse> {
    return await withRetry(
      (requestId) =>
        this.client.resolveApproval({
          sessionId: this.id,
          approvalId: ref.approvalId ?? "",
          toolUseId: ref.toolUseId ?? "",
          decision,
          reason,
          requestId,
        }),
      this.retry,
    );
  }

  /**
   * Everything the agent must react to (user messages, answers, status changes) as an async
   * iterator over Subscribe. User messages come exactly once across step() and messages(): those
   * step() already returned are skipped, and each one is acknowledged (AcknowledgeMessages) as it
   * is handed to you, so the next step() does not return it again; one you never received stays
   * unread (if acknowledging fails, the iterator throws before handing the message over).
   * Reconnects with backoff and resumes after the last seq seen, so no event is lost or
   * repeated; ends after the status change that makes the session terminal, or when the signal
   * aborts.
   */
  messages(opts: MessagesOptions = {}): AsyncGenerator<Message, void, undefined> {
    const self = this;
    const after = opts.afterSeq ?? this.lastSeq;
    return (async function* () {
      // Acknowledging 0 changes nothing and returns the server's read position: a resumed
      // session, or another process, may have read further than this helper knows.
      try {
        await self.acknowledge(0n, { signal: opts.signal });
      } catch (e) {
        if (opts.signal?.aborted) return;
        throw e;
      }
      // Replay from the read position too, so that an unread user message is never skipped.
      const from = after < self.readThroughSeq ? after : self.readThroughSeq;
      const inner = resumingStream<SubscribeResponse, Message>({
        after: from,
        signal: opts.signal,
        onState: opts.onState,
        open: (at, signal, onOpen) =>
          self.client.subscribe({ sessionId: self.id, afterSeq: at }, { signal, onHeader: onOpen }),
        classify: (r) =>
          r.item.case === "message"
            ? { kind: "item" as const, pos: r.item.value.seq, value: r.item.value }
            : r.item.case === "heartbeat"
              ? { kind: "heartbeat" as const, highWater: r.item.value.highWater }
              : { kind: "skip" as const },
      });
      for await (const m of inner) {
        if (m.body.case === "userMessage") {
          if (m.seq <= self.readThroughSeq) continue; // already returned by step() or acknowledged
          try {
            await self.acknowledge(m.seq, { signal: opts.signal }); // handed over now
          } catch (e) {
            if (opts.signal?.aborted) return;
            throw e;
          }
        } else if (m.seq <= after) {
          continue;
        }
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
