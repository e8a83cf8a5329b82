import { useState } from "preact/hooks";
import { ChoiceMode, ConnectError, Code, timestampMs, type Question } from "@switchboard/client/web";
import { api, errorText } from "../api";
import { countdown } from "../format";
import { useNow } from "../ui";

export function QuestionCard(props: { sessionId: string; q: Question; readOnly?: boolean; onConflict: (msg: string) => void; onAnswered: () => void }) {
  const { q } = props;
  const multiple = q.choiceMode === ChoiceMode.MULTIPLE && q.options.length > 0;
  const freeText = q.allowFreeText || q.options.length === 0;
  const [picked, setPicked] = useState<string[]>([]);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const now = useNow(1000);
  const deadline = q.deadlineTime ? timestampMs(q.deadlineTime) : 0;
  const defaults = q.defaultOptionIds.map((id) => q.options.find((o) => o.id === id)?.label ?? id);

  const send = async (optionIds: string[], answerText: string) => {
    setBusy(true);
    setError("");
    try {
      await api.answerQuestion({ sessionId: props.sessionId, questionId: q.id, optionIds, text: answerText });
      props.onAnswered();
    } catch (e) {
      const ce = ConnectError.from(e);
      if (ce.code === Code.FailedPrecondition) {
        const rest = ce.rawMessage
          .replace(/^this question was already answered\s*/i, "")
          .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/, (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }))
          .trim();
        props.onConflict(rest ? `This question was already answered ${rest}.` : "Someone answered this question first.");
        props.onAnswered();
      } else {
        setError(errorText(e));
      }
    } finally {
      setBusy(false);
    }
  };

  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));

  return (
    <section class="question card" aria-label="Question" data-testid="question">
      <div class="q-head">
        <span class="q-label">Question</span>
        {deadline > 0 && (
          <span class={`q-deadline${deadline - now < 60_000 ? " soon" : ""}`} data-testid="deadline">
            {deadline > now ? `${countdown(deadline - now)} left` : "Deadline passed"}
            {defaults.length > 0 && <span class="muted"> · default: {defaults.join(", ")}</span>}
            {!defaults.length && q.defaultText && <span class="muted"> · default: “{q.defaultText}”</span>}
          </span>
        )}
      </div>
      <p class="q-text">{q.text}</p>
      {props.readOnly && (
        <p class="muted small" data-testid="read-only">
          {q.options.length ? `Options: ${q.options.map((o) => o.label).join(" · ")}. ` : ""}You can follow this session; someone with edit access answers.
        </p>
      )}
      {!props.readOnly && q.options.length > 0 && !multiple && (
        <div class="options" role="group" aria-label="Options">
          {q.options.map((o) => (
            <button key={o.id} class="btn option" disabled={busy} onClick={() => send([o.id], freeText ? text.trim() : "")} data-option={o.id}>
              <span class="opt-label">{o.label}</span>
              {o.description && <span class="opt-desc">{o.description}</span>}
            </button>
          ))}
        </div>
      )}
      {!props.readOnly && multiple && (
        <fieldset class="options">
          <legend class="muted small">Choose one or more</legend>
          {q.options.map((o) => (
            <label key={o.id} class={`check${picked.includes(o.id) ? " checked" : ""}`}>
              <input type="checkbox" checked={picked.includes(o.id)} onChange={() => toggle(o.id)} data-option={o.id} />
              <span>
                <span class="opt-label">{o.label}</span>
                {o.description && <span class="opt-desc">{o.description}</span>}
              </span>
            </label>
          ))}
        </fieldset>
      )}
      {!props.readOnly && freeText && (
        <label class="q-free">
          <span class="muted small">{q.options.length ? "Or answer in your own words" : "Your answer"}</span>
          <textarea rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="Type an answer…" />
        </label>
      )}
      {!props.readOnly && (multiple || freeText) && (
        <button
          class="btn btn-primary"
          disabled={busy || (multiple ? picked.length === 0 && !text.trim() : !text.trim())}
          onClick={() => send(multiple ? picked : [], text.trim())}
        >
          {busy ? "Sending…" : "Send answer"}
        </button>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
