// Tool approvals: the pure parts of the card (labels, who decided, input validation), kept out of
// the component so they are unit-tested without a DOM.
import { ApprovalDecision, Sender, timestampMs, type ApprovalResult, type ToolApproval } from "@switchboard/client/web";

/** What the card says a decision did. */
export function decisionLabel(d: ApprovalDecision): string {
  switch (d) {
    case ApprovalDecision.ALLOW_ONCE:
      return "Allowed";
    case ApprovalDecision.ALLOW_SESSION:
      return "Allowed for this session";
    case ApprovalDecision.DENY:
      return "Denied";
    default:
      return "Decided";
  }
}

/**
 * Who decided, in the words the card uses. The server records SENDER_SYSTEM both for a deadline's
 * default and for a session rule ("allow for this session" given earlier): a rule decides when the
 * call is requested (the approval arrives with its result already set) and may be ALLOW_SESSION,
 * which a deadline never applies (its default is DENY or ALLOW_ONCE); a deadline decides at or
 * after the deadline.
 */
export function decidedBy(approval: ToolApproval | undefined, r: ApprovalResult): string {
  switch (r.decidedBy) {
    case Sender.USER:
      return "you";
    case Sender.AGENT:
      return "answered in the terminal";
    case Sender.SYSTEM: {
      if (approval?.result || r.decision === ApprovalDecision.ALLOW_SESSION) return "allowed by a session rule";
      if (approval?.deadlineTime && r.decideTime && timestampMs(r.decideTime) + 1000 < timestampMs(approval.deadlineTime)) {
        return "allowed by a session rule";
      }
      return "deadline default";
    }
    default:
      return "";
  }
}

/** The input as the person reads it: indented JSON (the text itself if it is not JSON). */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The input a person edited: an error text, or "" when it is a JSON object the server accepts. */
export function editedInputError(text: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `Not valid JSON: ${(e as Error).message}`;
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return "The input must be a JSON object ({ … }).";
  if (new TextEncoder().encode(text).length > 256 * 1024) return "The input is over 256 KiB.";
  return "";
}

/** The input to send with an allow: compact JSON, or "" when unchanged (the requested input runs). */
export function updatedInput(original: string, edited: string): string {
  const compact = JSON.stringify(JSON.parse(edited));
  try {
    if (JSON.stringify(JSON.parse(original)) === compact) return "";
  } catch {
    /* the original is not JSON: any valid edit is a change */
  }
  return compact;
}
