import { useState } from "preact/hooks";
import { ApprovalDecision, Code, ConnectError, timestampMs, type ApprovalResult, type ToolApproval } from "@switchboard/client/web";
import { api, errorText } from "../api";
import { decidedBy, decisionLabel, editedInputError, prettyJson, updatedInput } from "../approval";
import { clockTime, countdown, fullTime, tsDate } from "../format";
import { DiffView } from "../diff";
import { useNow } from "../ui";

/** A URL the page may link to: http(s) only (an agent's `javascript:` is shown, never followed). */
function safeHref(u: string): string | undefined {
  try {
    const p = new URL(u);
    return p.protocol === "http:" || p.protocol === "https:" ? p.href : undefined;
  } catch {
    return undefined;
  }
}

function Preview({ a }: { a: ToolApproval }) {
  const d = a.preview?.detail;
  switch (d?.case) {
    case "shellCommand":
      return (
        <div class="ap-detail">
          {d.value.description && <p class="muted small">{d.value.description}</p>}
          <pre class="ap-cmd" data-testid="approval-command">
            <code>{d.value.command}</code>
          </pre>
          {d.value.workingDirectory && (
            <p class="muted small">
              in <code>{d.value.workingDirectory}</code>
            </p>
          )}
        </div>
      );
    case "fileChange":
      return (
        <div class="ap-detail">
          <p class="ap-path">
            <code data-testid="approval-path">{d.value.path}</code>
          </p>
          {d.value.unifiedDiff && <DiffView text={d.value.unifiedDiff} />}
        </div>
      );
    case "url": {
      const href = safeHref(d.value.url);
      return (
        <div class="ap-detail">
          <p class="ap-url" data-testid="approval-url">
            {href ? (
              <a href={href} target="_blank" rel="noopener noreferrer">
                {d.value.url}
              </a>
            ) : (
              <code>{d.value.url}</code>
            )}
          </p>
          {d.value.description && <p class="muted small">{d.value.description}</p>}
        </div>
      );
    }
    default:
      return null;
  }
}

/**
 * One tool approval: the tool, its preview and raw input; while open, one-tap Allow / Allow for
 * this session / Deny (with an optional reason) and Edit input where the agent allows it; once
 * decided, what was decided, by whom and when.
 */
export function ApprovalCard(props: {
  sessionId: string;
  a: ToolApproval;
  result?: ApprovalResult;
  /** The session ended: an open approval can no longer be decided. */
  ended?: boolean;
  onDecided: (r: ApprovalResult) => void;
  /** Decided elsewhere first (FAILED_PRECONDITION): re-read the decision now. */
  onStale?: () => void;
  /** I may only view the session: no decision buttons (the server would refuse them). */
  readOnly?: boolean;
  /** Shown above the tool's name (the home screen names the session). */
  context?: preact.ComponentChildren;
}) {
  const { a, result } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [denying, setDenying] = useState(false);
  const [reason, setReason] = useState("");
  const [editing, setEditing] = useState(false);
  const [edited, setEdited] = useState("");
  const now = useNow(1000);
  const open = !result && !props.ended;
  const deadline = a.deadlineTime ? timestampMs(a.deadlineTime) : 0;
  const editError = editing && open ? editedInputError(edited) : "";

  const decide = async (decision: ApprovalDecision) => {
    if (editError) return;
    setBusy(true);
    setError("");
    try {
      const res = await api.decideApproval({
        sessionId: props.sessionId,
        approvalId: a.id,
        decision,
        reason: decision === ApprovalDecision.DENY ? reason.trim() : "",
        updatedInputJson: editing && decision !== ApprovalDecision.DENY ? updatedInput(a.inputJson, edited) : "",
      });
      if (res.result) props.onDecided(res.result);
    } catch (e) {
      // Already decided elsewhere: the server says by whom and when; the feed brings the decision.
      setError(errorText(e));
      setBusy(false);
      if (ConnectError.from(e).code === Code.FailedPrecondition) props.onStale?.();
    }
  };

  const when = tsDate(result?.decideTime);
  const who = result ? decidedBy(a, result) : "";
  const denied = result?.decision === ApprovalDecision.DENY;
  return (
    <section
      class={`approval card${open ? " ap-open" : denied ? " ap-denied" : " ap-done"}`}
      aria-label={`Approval for ${a.toolName}`}
      data-testid="approval"
      data-approval-id={a.id}
    >
      {props.context}
      <div class="q-head">
        <span class="q-label">{open ? "Approval needed" : "Approval"}</span>
        {open && deadline > 0 && (
          <span class={`q-deadline${deadline - now < 60_000 ? " soon" : ""}`}>
            {deadline > now ? `${countdown(deadline - now)} left` : "Deadline passed"}
            <span class="muted"> · then {a.defaultDecision === ApprovalDecision.ALLOW_ONCE ? "allowed" : "denied"}</span>
          </span>
        )}
      </div>
      <p class="ap-title">
        <code class="ap-tool" data-testid="approval-tool">
          {a.toolName}
        </code>{" "}
        <span class="ap-summary">{a.preview?.summary}</span>
      </p>
      <Preview a={a} />
      {editing && open ? (
        <label class="ap-edit">
          <span class="muted small">Input (JSON) to run instead</span>
          <textarea rows={8} spellcheck={false} value={edited} onInput={(e) => setEdited(e.currentTarget.value)} aria-invalid={!!editError} />
          {editError && (
            <span class="error small" role="alert">
              {editError}
            </span>
          )}
        </label>
      ) : (
        <details class="ap-raw">
          <summary>Raw input</summary>
          <pre data-testid="approval-input">{prettyJson(a.inputJson)}</pre>
        </details>
      )}
      {open && props.readOnly && <p class="muted small">Waiting for a decision by someone who can edit this session.</p>}
      {open && !props.readOnly && !denying && (
        <div class="ap-actions" role="group" aria-label="Decision">
          <button class="btn btn-primary" disabled={busy || !!editError} onClick={() => decide(ApprovalDecision.ALLOW_ONCE)}>
            Allow
          </button>
          <button class="btn" disabled={busy || !!editError} onClick={() => decide(ApprovalDecision.ALLOW_SESSION)}>
            Allow for this session
          </button>
          <button class="btn btn-danger-outline" disabled={busy} onClick={() => setDenying(true)}>
            Deny
          </button>
          {a.inputEditable && (
            <button
              class="btn btn-ghost"
              disabled={busy}
              onClick={() => {
                if (editing) setEditing(false);
                else {
                  setEdited(prettyJson(a.inputJson));
                  setEditing(true);
                }
              }}
            >
              {editing ? "Discard edits" : "Edit input"}
            </button>
          )}
        </div>
      )}
      {open && !props.readOnly && denying && (
        <form
          class="ap-deny"
          onSubmit={(e) => {
            e.preventDefault();
            void decide(ApprovalDecision.DENY);
          }}
        >
          <label>
            Reason (the agent reads it, optional)
            <input value={reason} maxLength={2000} onInput={(e) => setReason(e.currentTarget.value)} autoFocus />
          </label>
          <div class="row-actions">
            <button class="btn btn-danger" type="submit" disabled={busy}>
              {busy ? "Denying…" : "Deny"}
            </button>
            <button class="btn btn-ghost" type="button" onClick={() => setDenying(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {result && (
        <p class={`ap-outcome${denied ? " ap-outcome-deny" : ""}`} data-testid="approval-outcome">
          <strong>{decisionLabel(result.decision)}</strong>
          {who && <span> · {who}</span>}
          {when && (
            <span>
              {" "}
              ·{" "}
              <time dateTime={when.toISOString()} title={fullTime(when)}>
                {clockTime(when)}
              </time>
            </span>
          )}
          {result.reason && <span class="ap-reason"> — “{result.reason}”</span>}
          {result.updatedInputJson && <span class="muted"> · with edited input</span>}
        </p>
      )}
      {!result && props.ended && <p class="muted small">The session ended before a decision.</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
