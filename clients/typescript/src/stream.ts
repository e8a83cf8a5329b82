import { Code, ConnectError } from "@connectrpc/connect";
import { sleep } from "./retry.js";

/** Connection state of a resuming stream, for display. */
export type StreamState = "connecting" | "live" | "reconnecting" | "closed";

/** What one response of a watch stream carries. */
export type StreamItem<T> =
  | { kind: "item"; pos: bigint; value: T }
  | { kind: "heartbeat"; highWater: bigint }
  | { kind: "skip" };

export interface ResumingStreamOptions<R, T> {
  /**
   * Opens the server stream after position `after` (seq or cursor). Call `onOpen` when the
   * response headers arrive (CallOptions.onHeader) so that the state turns "live" at once, not at
   * the first message.
   */
  open: (after: bigint, signal: AbortSignal, onOpen: () => void) => AsyncIterable<R>;
  /** Tells items from heartbeats. */
  classify: (response: R) => StreamItem<T>;
  /** Resume after this position (default 0 = from the start). */
  after?: bigint;
  /** Ends the stream (the iterator then returns quietly). */
  signal?: AbortSignal;
  /** Called on every state change; `error` is set while reconnecting. */
  onState?: (state: StreamState, error?: ConnectError) => void;
  /** Called with each heartbeat's high-water mark. */
  onHeartbeat?: (highWater: bigint) => void;
  /** Which errors reconnect (default: all but the ones a retry cannot fix). */
  retryIf?: (err: ConnectError) => boolean;
  /** Reconnect backoff: first delay (default 250 ms), doubled up to maxDelayMs (default 10 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

const permanent = new Set<Code>([
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.NotFound,
  Code.InvalidArgument,
  Code.FailedPrecondition,
  Code.Unimplemented,
]);
// CANCELED is not permanent: a dropped HTTP/2 connection surfaces as a CANCEL stream reset.
// Our own abort is told apart by the signal, not by the code.

/** The default reconnect rule: retry anything a retry may fix (network, UNAVAILABLE, ...). */
export function isReconnectable(err: ConnectError): boolean {
  return !permanent.has(err.code);
}

/**
 * Reads a replay-then-tail server stream (WatchSession, WatchInbox, Subscribe) and reconnects
 * with backoff, resuming after the last position seen. Each item is yielded once and in order:
 * anything at or below the last position is dropped, so a replay after reconnecting never
 * duplicates. Returns when the server ends the stream with OK or the signal aborts.
 */
export async function* resumingStream<R, T>(opts: ResumingStreamOptions<R, T>): AsyncGenerator<T, void, undefined> {
  let after = opts.after ?? 0n;
  const retryIf = opts.retryIf ?? isReconnectable;
  const initial = opts.initialDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 10_000;
  let delay = initial;
  const outer = opts.signal;
  let state: StreamState | undefined;
  const setState = (s: StreamState, e?: ConnectError) => {
    if (s !== state || e) {
      state = s;
      opts.onState?.(s, e);
    }
  };
  setState("connecting");
  try {
    while (!outer?.aborted) {
      const ctl = new AbortController();
      const onAbort = () => ctl.abort();
      outer?.addEventListener("abort", onAbort, { once: true });
      try {
        const onOpen = () => {
          if (!ctl.signal.aborted) setState("live");
        };
        for await (const res of opts.open(after, ctl.signal, onOpen)) {
          setState("live");
          delay = initial;
          const it = opts.classify(res);
          if (it.kind === "item") {
            if (it.pos <= after) continue; // already delivered
            after = it.pos;
            yield it.value;
          } else if (it.kind === "heartbeat") {
            opts.onHeartbeat?.(it.highWater);
          }
        }
        return; // OK: the server ended the stream (terminal session)
      } catch (e) {
        if (outer?.aborted) return;
        const ce = ConnectError.from(e);
        if (!retryIf(ce)) throw ce;
        setState("reconnecting", ce);
        try {
          await sleep(delay * (0.75 + Math.random() / 2), outer);
        } catch {
          return;
        }
        delay = Math.min(delay * 2, maxDelay);
      } finally {
        outer?.removeEventListener("abort", onAbort);
        ctl.abort();
      }
    }
  } finally {
    setState("closed");
  }
}
