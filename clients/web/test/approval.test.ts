import { describe, expect, it } from "vitest";
import {
  ApprovalDecision,
  ApprovalResultSchema,
  Sender,
  ToolApprovalSchema,
  create,
  timestampFromMs,
  type ApprovalResult,
  type Timestamp,
} from "@switchboard/client/web";
import { decidedBy, decisionLabel, editedInputError, prettyJson, updatedInput } from "../src/approval";

const t0 = Date.parse("2026-12-01T10:00:00Z");
const approval = (init: { deadlineTime?: Timestamp; defaultDecision?: ApprovalDecision; result?: ApprovalResult } = {}) =>
  create(ToolApprovalSchema, { id: "a1", toolName: "Bash", inputJson: '{"command":"ls"}', ...init });
const result = (decidedBy: Sender, decision: ApprovalDecision, atMs = t0) =>
  create(ApprovalResultSchema, { approvalId: "a1", decision, decidedBy, decideTime: timestampFromMs(atMs) });

describe("decidedBy", () => {
  it("names a person, the terminal", () => {
    expect(decidedBy(approval(), result(Sender.USER, ApprovalDecision.ALLOW_ONCE))).toBe("you");
    expect(decidedBy(approval(), result(Sender.AGENT, ApprovalDecision.DENY))).toBe("answered in the terminal");
  });

  it("tells a deadline's default from a session rule", () => {
    // A deadline applies its default at the deadline.
    const timed = approval({ deadlineTime: timestampFromMs(t0), defaultDecision: ApprovalDecision.DENY });
    expect(decidedBy(timed, result(Sender.SYSTEM, ApprovalDecision.DENY, t0 + 20))).toBe("deadline default");
    expect(decidedBy(approval(), result(Sender.SYSTEM, ApprovalDecision.DENY))).toBe("deadline default");
    // A rule decides as the call is requested: the approval arrives decided.
    const ruled = approval({ result: result(Sender.SYSTEM, ApprovalDecision.ALLOW_ONCE) });
    expect(decidedBy(ruled, result(Sender.SYSTEM, ApprovalDecision.ALLOW_ONCE))).toBe("allowed by a session rule");
    // A deadline never applies ALLOW_SESSION; a system decision long before the deadline is a rule.
    expect(decidedBy(approval(), result(Sender.SYSTEM, ApprovalDecision.ALLOW_SESSION))).toBe("allowed by a session rule");
    const later = approval({ deadlineTime: timestampFromMs(t0 + 600_000) });
    expect(decidedBy(later, result(Sender.SYSTEM, ApprovalDecision.ALLOW_ONCE, t0))).toBe("allowed by a session rule");
  });

  it("labels decisions", () => {
    expect(decisionLabel(ApprovalDecision.ALLOW_ONCE)).toBe("Allowed");
    expect(decisionLabel(ApprovalDecision.ALLOW_SESSION)).toBe("Allowed for this session");
    expect(decisionLabel(ApprovalDecision.DENY)).toBe("Denied");
  });
});

describe("edited input", () => {
  it("accepts a JSON object only, with a reason a person can act on", () => {
    expect(editedInputError('{"command": "ls -la"}')).toBe("");
    expect(editedInputError('{"command": ')).toMatch(/^Not valid JSON/);
    expect(editedInputError("[1, 2]")).toMatch(/JSON object/);
    expect(editedInputError("null")).toMatch(/JSON object/);
    expect(editedInputError('"ls"')).toMatch(/JSON object/);
    expect(editedInputError(JSON.stringify({ x: "y".repeat(300 * 1024) }))).toMatch(/256 KiB/);
  });

  it("sends nothing when only the formatting changed, compact JSON otherwise", () => {
    const original = '{"command":"ls","timeout":5}';
    expect(updatedInput(original, prettyJson(original))).toBe("");
    expect(updatedInput(original, '{\n  "command": "ls -la",\n  "timeout": 5\n}')).toBe('{"command":"ls -la","timeout":5}');
  });

  it("shows JSON indented, and other text as it is", () => {
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJson("not json")).toBe("not json");
  });
});
