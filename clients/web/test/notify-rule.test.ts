import { describe, expect, it } from "vitest";
import { InboxEventKind, timestampFromMs } from "@switchboard/client/web";
import { NOTIFY_MAX_AGE_MS, worthNotifying } from "../src/notify-rule";

describe("worthNotifying", () => {
  const now = Date.parse("2026-11-22T10:00:00Z");
  const at = (ms: number) => timestampFromMs(ms);

  it("notifies for a question asked just now", () => {
    expect(worthNotifying({ kind: InboxEventKind.QUESTION_ASKED, createTime: at(now - 50) }, now)).toBe(true);
  });

  it("notifies for a tool approval requested just now", () => {
    expect(worthNotifying({ kind: InboxEventKind.APPROVAL_REQUESTED, createTime: at(now - 50) }, now)).toBe(true);
  });

  it("stays quiet for anything that is not a question or an approval", () => {
    for (const kind of [InboxEventKind.SESSION_STARTED, InboxEventKind.QUESTION_ANSWERED, InboxEventKind.SESSION_ENDED, InboxEventKind.APPROVAL_DECIDED]) {
      expect(worthNotifying({ kind, createTime: at(now) }, now)).toBe(false);
    }
  });

  it("does not replay old questions after a long disconnect", () => {
    expect(worthNotifying({ kind: InboxEventKind.QUESTION_ASKED, createTime: at(now - NOTIFY_MAX_AGE_MS - 1) }, now)).toBe(false);
    expect(worthNotifying({ kind: InboxEventKind.QUESTION_ASKED, createTime: at(now - NOTIFY_MAX_AGE_MS) }, now)).toBe(true);
  });
});
