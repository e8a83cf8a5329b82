// When an inbox event deserves a browser notification (pure, so it is unit-tested without a DOM).
import { InboxEventKind, timestampMs, type InboxEvent } from "@switchboard/client/web";

/** How old a question may be and still pop a notification (a phone waking after hours should not
 * replay every question it slept through; the home screen lists them anyway). */
export const NOTIFY_MAX_AGE_MS = 10 * 60 * 1000;

/**
 * Whether an inbox event deserves a browser notification: a question or a tool approval. Every event the stream delivers is
 * after the list snapshot (the stream starts at ListSessions' inbox_cursor), so only the kind and
 * the age matter here.
 */
export function worthNotifying(ev: Pick<InboxEvent, "kind" | "createTime">, nowMs: number): boolean {
  if (ev.kind !== InboxEventKind.QUESTION_ASKED && ev.kind !== InboxEventKind.APPROVAL_REQUESTED) return false;
  return !ev.createTime || nowMs - timestampMs(ev.createTime) <= NOTIFY_MAX_AGE_MS;
}
