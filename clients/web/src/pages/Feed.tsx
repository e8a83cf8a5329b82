import { Sender, SessionStatus, formatCost, statusLabel, type Answer, type Message, type Question, type ToolApproval } from "@switchboard/client/web";
import { clockTime, fullTime, tokens, tsDate } from "../format";
import { decidedBy, decisionLabel } from "../approval";

function answerText(q: Question | undefined, a: Answer): string {
  const labels = a.optionIds.map((id) => q?.options.find((o) => o.id === id)?.label ?? id);
  return [...labels, a.text].filter(Boolean).join(" · ");
}

export function FeedItem({
  m,
  questions,
  answers,
  open,
  approvals,
  readOnly,
}: {
  m: Message;
  questions: Map<string, Question>;
  answers: Map<string, Answer>;
  open: Map<string, Question>;
  approvals: Map<string, ToolApproval>;
  /** I may only view the session: the answer is not mine to give. */
  readOnly?: boolean;
}) {
  const when = tsDate(m.createTime);
  const time = (
    <time class="time" dateTime={when?.toISOString()} title={fullTime(when)}>
      {clockTime(when)}
    </time>
  );
  const b = m.body;
  switch (b.case) {
    case "step":
      return (
        <li class="item step" data-seq={String(m.seq)}>
          <span class="marker" aria-hidden="true" />
          <div class="bubble">
            <p>{b.value.text}</p>
            {time}
          </div>
        </li>
      );
    case "question": {
      const a = answers.get(b.value.id);
      if (!a && open.has(b.value.id)) {
        return (
          <li class="item event" data-seq={String(m.seq)}>
            <span>
              <span class="attn-text">Asked a question · {readOnly ? "waiting for an answer" : "waiting for your answer below"}</span> · {clockTime(when)}
            </span>
          </li>
        );
      }
      return (
        <li class="item asked" data-seq={String(m.seq)}>
          <div class="bubble">
            <span class="tag tag-q">Asked</span>
            <p>{b.value.text}</p>
            {b.value.options.length > 0 && (
              <ul class="asked-options">
                {b.value.options.map((o) => (
                  <li key={o.id} class={a?.optionIds.includes(o.id) ? "chosen" : ""}>
                    {o.label}
                  </li>
                ))}
              </ul>
            )}
            {!a && <p class="muted small">Waiting for an answer</p>}
            {time}
          </div>
        </li>
      );
    }
    case "answer": {
      const q = questions.get(b.value.questionId);
      const system = m.sender === Sender.SYSTEM;
      return (
        <li class={`item mine${system ? " system-answer" : ""}`} data-seq={String(m.seq)}>
          <div class="bubble">
            <span class="tag">{system ? "Default applied" : "Answered"}</span>
            <p>{answerText(q, b.value)}</p>
            {time}
          </div>
        </li>
      );
    }
    case "approvalResult": {
      // The card above shows the decision in full; this line keeps the feed's chronology.
      const a = approvals.get(b.value.approvalId);
      const who = decidedBy(a, b.value);
      return (
        <li class="item event" data-seq={String(m.seq)}>
          <span>
            {decisionLabel(b.value.decision)} {a?.toolName ?? "a tool call"}
            {who && <span class="muted"> · {who}</span>} · {clockTime(when)}
          </span>
        </li>
      );
    }
    case "userMessage":
      return (
        <li class="item mine" data-seq={String(m.seq)}>
          <div class="bubble">
            <p>{b.value.text}</p>
            {time}
          </div>
        </li>
      );
    case "statusChange":
      return (
        <li class="item event" data-seq={String(m.seq)}>
          <span>
            {b.value.fromStatus === SessionStatus.UNSPECIFIED ? "Started" : statusLabel(b.value.toStatus)}
            {b.value.reason && <span class="muted"> · {b.value.reason}</span>} · {clockTime(when)}
          </span>
        </li>
      );
    case "diffUpdate": {
      const s = b.value.summary;
      return (
        <li class="item event" data-seq={String(m.seq)}>
          <span>
          <a href="#changes" onClick={() => document.getElementById("changes")?.setAttribute("open", "")}>
            Changes updated: {s?.filesChanged ?? 0} file{s?.filesChanged === 1 ? "" : "s"}, <span class="plus">+{s?.additions ?? 0}</span>{" "}
            <span class="minus">−{s?.deletions ?? 0}</span>
          </a>{" "}
          · {clockTime(when)}
          </span>
        </li>
      );
    }
    case "usageUpdate": {
      const u = b.value.usage;
      return (
        <li class="item event" data-seq={String(m.seq)}>
          Usage {tokens(u?.inputTokens ?? 0n)} in / {tokens(u?.outputTokens ?? 0n)} out · {formatCost(u?.costMicros ?? 0n)} · {clockTime(when)}
        </li>
      );
    }
    default:
      return null;
  }
}
