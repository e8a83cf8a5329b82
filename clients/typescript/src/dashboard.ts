import type { Client, ConnectError } from "@connectrpc/connect";
import { ConnectError as CE, Code } from "@connectrpc/connect";
import type { DashboardService, InboxEvent, WatchInboxResponse, WatchSessionResponse } from "./gen/switchboard/v1/dashboard_service_pb.js";
import type { ProjectService } from "./gen/switchboard/v1/project_service_pb.js";
import { SessionStatus, type Message } from "./gen/switchboard/v1/model_pb.js";
import { resumingStream, type StreamState } from "./stream.js";

export type DashboardClient = Client<typeof DashboardService>;
/** Projects, members, invitations, session shares and the audit trail (same access token). */
export type ProjectClient = Client<typeof ProjectService>;

export interface WatchOptions {
  signal?: AbortSignal;
  onState?: (state: StreamState, error?: ConnectError) => void;
  onHeartbeat?: (highWater: bigint) => void;
  retryIf?: (err: ConnectError) => boolean;
  /** Reconnect backoff: first delay (default 250 ms), doubled up to maxDelayMs (default 10 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * A session's live feed (WatchSession) after `afterSeq`: reconnects with backoff and resumes
 * after the last seq delivered, with no gap and no duplicate. Ends when the signal aborts; throws
 * NOT_FOUND if the session is deleted.
 */
export function watchSession(
  client: DashboardClient,
  sessionId: string,
  afterSeq: bigint,
  opts: WatchOptions = {},
): AsyncGenerator<Message, void, undefined> {
  return resumingStream<WatchSessionResponse, Message>({
    ...opts,
    after: afterSeq,
    open: (after, signal, onOpen) => client.watchSession({ sessionId, afterSeq: after }, { signal, onHeader: onOpen }),
    classify: (r) =>
      r.item.case === "message"
        ? { kind: "item", pos: r.item.value.seq, value: r.item.value }
        : r.item.case === "heartbeat"
          ? { kind: "heartbeat", highWater: r.item.value.highWater }
          : { kind: "skip" },
  });
}

/**
 * The home screen's live events (WatchInbox) after `afterCursor`, resuming like watchSession.
 * `opts.projectId` picks the project's inbox (default: the caller's personal project); the stream
 * ends with PERMISSION_DENIED when the caller stops being a member.
 */
export function watchInbox(
  client: DashboardClient,
  afterCursor: bigint,
  opts: WatchOptions & { projectId?: string } = {},
): AsyncGenerator<InboxEvent, void, undefined> {
  const projectId = opts.projectId ?? "";
  return resumingStream<WatchInboxResponse, InboxEvent>({
    ...opts,
    after: afterCursor,
    open: (after, signal, onOpen) => client.watchInbox({ afterCursor: after, projectId }, { signal, onHeader: onOpen }),
    classify: (r) =>
      r.item.case === "event"
        ? { kind: "item", pos: r.item.value.cursor, value: r.item.value }
        : r.item.case === "heartbeat"
          ? { kind: "heartbeat", highWater: r.item.value.highWater }
          : { kind: "skip" },
  });
}

/** True for COMPLETED, FAILED and STOPPED. */
export function isTerminal(status: SessionStatus): boolean {
  return status === SessionStatus.COMPLETED || status === SessionStatus.FAILED || status === SessionStatus.STOPPED;
}

const statusLabels: Record<number, string> = {
  [SessionStatus.UNSPECIFIED]: "Unknown",
  [SessionStatus.ACTIVE]: "Active",
  [SessionStatus.AWAITING_INPUT]: "Needs input",
  [SessionStatus.STOPPING]: "Stopping",
  [SessionStatus.COMPLETED]: "Completed",
  [SessionStatus.FAILED]: "Failed",
  [SessionStatus.STOPPED]: "Stopped",
  [SessionStatus.DISCONNECTED]: "Disconnected",
  [SessionStatus.PENDING]: "Pending",
  [SessionStatus.STARTING]: "Starting",
};

/** A short label for a status ("Needs input"). */
export function statusLabel(status: SessionStatus): string {
  return statusLabels[status] ?? "Unknown";
}

/** Micro-dollars as "$1.23" (or "$0.0042" under a cent). */
export function formatCost(micros: bigint | number): string {
  const m = Number(micros);
  const usd = m / 1_000_000;
  if (m === 0) return "$0.00";
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** True when an AnswerQuestion failed because the question was already answered. */
export function isAlreadyAnswered(err: unknown): boolean {
  return CE.from(err).code === Code.FailedPrecondition;
}
