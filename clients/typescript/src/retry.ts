import { Code, ConnectError } from "@connectrpc/connect";

/** A fresh request id (UUID v4) for one logical agent write; reuse it when retrying that write. */
export function newRequestId(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  // crypto.randomUUID is missing on plain-http pages that are not localhost.
  const b = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Errors worth retrying for an idempotent call (the same request_id makes agent writes safe).
 * CANCELED is included because a dropped HTTP/2 connection resets streams with CANCEL; a call
 * cancelled on purpose is never retried (withRetry checks its signal first).
 */
export function isTransient(err: unknown): boolean {
  const ce = ConnectError.from(err);
  return (
    ce.code === Code.Unavailable ||
    ce.code === Code.Canceled ||
    ce.code === Code.ResourceExhausted ||
    ce.code === Code.Aborted ||
    ce.code === Code.DeadlineExceeded
  );
}

export interface RetryOptions {
  /** Attempts in all, including the first (default 5). */
  attempts?: number;
  /** First delay in ms (default 200), doubled each time up to maxDelayMs (default 5000). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Stops the retries (and the wait between them). */
  signal?: AbortSignal;
  /** Which errors to retry (default isTransient). */
  retryIf?: (err: ConnectError) => boolean;
}

/** Sleeps ms, rejecting early if the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new ConnectError("aborted", Code.Canceled));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new ConnectError("aborted", Code.Canceled));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Delay from a RESOURCE_EXHAUSTED message such as "retry after 1.5s" / "retry after 300ms". */
export function retryAfterMs(err: ConnectError): number | undefined {
  const m = /retry (?:after|in) ([0-9.]+)\s*(ms|s)/i.exec(err.rawMessage);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2].toLowerCase() === "ms" ? n : n * 1000;
}

/**
 * Runs `call` until it succeeds or fails with a non-transient error, with exponential backoff
 * and jitter. The same request id is passed to every attempt.
 */
export async function withRetry<T>(
  call: (requestId: string) => Promise<T>,
  opts: RetryOptions & { requestId?: string } = {},
): Promise<T> {
  const requestId = opts.requestId ?? newRequestId();
  const attempts = opts.attempts ?? 5;
  const retryIf = opts.retryIf ?? isTransient;
  let delay = opts.initialDelayMs ?? 200;
  const maxDelay = opts.maxDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(requestId);
    } catch (e) {
      const ce = ConnectError.from(e);
      if (attempt >= attempts || opts.signal?.aborted || !retryIf(ce)) throw ce;
      const hinted = ce.code === Code.ResourceExhausted ? retryAfterMs(ce) : undefined;
      await sleep(hinted ?? delay * (0.5 + Math.random() / 2), opts.signal);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
