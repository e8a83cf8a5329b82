import { useEffect, useState } from "preact/hooks";
import { ChannelKind, DeliveryOutcome, NotificationEvent, durationFromMs, type Channel, type Delivery } from "@switchboard/client/web";
import { errorText, notifyApi } from "../api";
import { fullTime, relTime, tsDate } from "../format";
import { currentSubscription, disablePush, enablePush, pushSupported } from "../push";
import { Spinner } from "../ui";

const eventNames: [NotificationEvent, string][] = [
  [NotificationEvent.QUESTION_ASKED, "Questions"],
  [NotificationEvent.APPROVAL_REQUESTED, "Approvals"],
  [NotificationEvent.DEADLINE_NEAR, "Deadline near"],
  [NotificationEvent.SESSION_FAILED, "Failed"],
  [NotificationEvent.SESSION_COMPLETED, "Completed"],
  [NotificationEvent.SESSION_DISCONNECTED, "Disconnected"],
];
const eventName = (e: NotificationEvent) => eventNames.find(([v]) => v === e)?.[1] ?? "Test";

function kindName(k: ChannelKind): string {
  switch (k) {
    case ChannelKind.WEB_PUSH:
      return "Web push";
    case ChannelKind.SLACK:
      return "Slack";
    case ChannelKind.WEBHOOK:
      return "Webhook";
    case ChannelKind.EMAIL:
      return "Email";
    default:
      return "Channel";
  }
}

/** Escalation choices: questions and approvals reach the channel only if still open after this. */
const escalations: [number, string][] = [
  [0, "At once"],
  [300, "After 5 minutes"],
  [600, "After 10 minutes"],
  [1800, "After 30 minutes"],
  [3600, "After an hour"],
];
const escalationSeconds = (c: Channel) => Number(c.escalateAfter?.seconds ?? 0n);
function escalationText(secs: number): string {
  const known = escalations.find(([v]) => v === secs);
  if (known) return known[1].toLowerCase();
  return secs % 60 === 0 ? `after ${secs / 60} minutes` : `after ${secs} s`;
}
const escalateAfter = (secs: number) => (secs > 0 ? durationFromMs(secs * 1000) : undefined);

function EscalationSelect({ value, onChange, label }: { value: number; onChange: (secs: number) => void; label: string }) {
  const options = escalations.some(([v]) => v === value) ? escalations : [...escalations, [value, escalationText(value)] as [number, string]];
  return (
    <label class="escalation">
      {label}
      <select value={String(value)} onChange={(e) => onChange(Number(e.currentTarget.value))}>
        {options.map(([v, name]) => (
          <option key={v} value={String(v)}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

const outcomeText: Record<number, [string, string]> = {
  [DeliveryOutcome.SENT]: ["Sent", "ok"],
  [DeliveryOutcome.SUPPRESSED]: ["Suppressed", "muted"],
  [DeliveryOutcome.FAILED]: ["Failed", "bad"],
};

/** The caller's notification channels: this device's web push, webhooks, and what was delivered. */
export function Notifications() {
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [endpoint, setEndpoint] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      const [res, sub] = await Promise.all([notifyApi.listChannels({}), currentSubscription().catch(() => null)]);
      setChannels(res.channels);
      setEndpoint(sub?.endpoint ?? null);
    } catch (e) {
      setError(errorText(e));
      setChannels([]);
    }
  };
  useEffect(() => void load(), []);

  const thisDevice = channels?.find((c) => c.kind === ChannelKind.WEB_PUSH && c.url === endpoint && c.enabled);
  const run = (f: () => Promise<unknown>) => async () => {
    setBusy(true);
    setError("");
    try {
      await f();
      await load();
    } catch (e) {
      setError(e instanceof Error && !("code" in e) ? e.message : errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page">
      <div class="page-head">
        <div>
          <h1>Notifications</h1>
          <p class="muted small">Where Switchboard reaches you when an agent needs you and no dashboard of yours is watching.</p>
        </div>
      </div>

      <section class="card pad" data-testid="this-device">
        <h2>This device</h2>
        {!pushSupported() ? (
          <p class="muted">This browser cannot receive web push. On iPhone and iPad, add Switchboard to the home screen first, then open it from there.</p>
        ) : thisDevice ? (
          <>
            <p>
              Push is on here: questions and approvals arrive with their answers as buttons. <span class="muted small">({thisDevice.label || "this browser"})</span>
            </p>
            <button class="btn btn-ghost" disabled={busy} onClick={run(() => disablePush(thisDevice))}>
              Turn off on this device
            </button>
          </>
        ) : (
          <>
            <p class="muted">Get a notification on this device for questions, approvals and failed sessions, and answer from it.</p>
            <button class="btn btn-primary" disabled={busy} onClick={run(() => enablePush())}>
              {busy ? "Enabling…" : "Enable push on this device"}
            </button>
          </>
        )}
      </section>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}

      <div class="list-head">
        <h2>Your channels</h2>
      </div>
      {channels === null ? (
        <Spinner />
      ) : channels.length === 0 ? (
        <p class="muted">No channels yet.</p>
      ) : (
        <ul class="key-list" data-testid="channel-list">
          {channels.map((c) => (
            <ChannelRow key={c.id} channel={c} current={c.url === endpoint} onChange={load} onError={setError} />
          ))}
        </ul>
      )}

      <AddEmail onAdded={load} />
      <AddWebhook onAdded={load} />
    </main>
  );
}

function ChannelRow({ channel: c, current, onChange, onError }: { channel: Channel; current: boolean; onChange: () => void; onError: (e: string) => void }) {
  const [open, setOpen] = useState(false);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const act = (f: () => Promise<unknown>) => async () => {
    try {
      await f();
      onChange();
      if (open) await showDeliveries();
    } catch (e) {
      onError(errorText(e));
    }
  };
  const showDeliveries = async () => {
    const res = await notifyApi.listDeliveries({ channelId: c.id, pageSize: 20 });
    setDeliveries(res.deliveries);
  };
  const where = c.kind === ChannelKind.WEB_PUSH ? c.label || "a browser" : c.url.replace(/^https?:\/\//, "").slice(0, 60);
  return (
    <li class={`card key-row channel-row${c.enabled ? "" : " revoked"}`} data-testid="channel-row" data-kind={kindName(c.kind)}>
      <div class="key-main">
        <div class="key-name">
          {kindName(c.kind)} · {where}
          {current && <span class="badge badge-ok"> this device</span>}
        </div>
        <div class="muted small">{c.events.map(eventName).join(", ")}</div>
        {escalationSeconds(c) > 0 && <div class="muted small">Questions and approvals {escalationText(escalationSeconds(c))}, if still open</div>}
      </div>
      <div class="key-meta muted small">
        <span title={fullTime(tsDate(c.createTime))}>added {relTime(tsDate(c.createTime))}</span>
        {!c.enabled && <span class="badge badge-muted">Off</span>}
        {c.awaitingConfirmation && <span class="badge badge-muted">Waiting for its owner to confirm</span>}
      </div>
      <div class="key-side">
        <EscalationSelect
          label="Escalate"
          value={escalationSeconds(c)}
          onChange={(secs) => void act(() => notifyApi.updateChannel({ channelId: c.id, escalateAfter: durationFromMs(secs * 1000) }))()}
        />
        <button class="btn btn-ghost" onClick={act(() => notifyApi.testChannel({ channelId: c.id }))}>
          Test
        </button>
        <button class="btn btn-ghost" onClick={act(() => notifyApi.updateChannel({ channelId: c.id, enabled: !c.enabled }))}>
          {c.enabled ? "Turn off" : "Turn on"}
        </button>
        <button
          class="btn btn-ghost"
          aria-expanded={open}
          onClick={async () => {
            setOpen(!open);
            if (!open) await showDeliveries().catch((e) => onError(errorText(e)));
          }}
        >
          Deliveries
        </button>
        <button class="btn btn-danger-outline" onClick={act(() => notifyApi.deleteChannel({ channelId: c.id }))}>
          Delete
        </button>
      </div>
      {open && (
        <div class="deliveries" data-testid="deliveries">
          {deliveries === null ? (
            <Spinner />
          ) : deliveries.length === 0 ? (
            <p class="muted small">Nothing delivered yet.</p>
          ) : (
            <ul>
              {deliveries.map((d) => {
                const [text, tone] = outcomeText[d.outcome] ?? ["?", "muted"];
                return (
                  <li key={`${d.notificationId}-${d.attempt}`} class="small">
                    <span class={`badge badge-${tone}`}>{text}</span> {eventName(d.event)}
                    {d.eventCount > 1 && ` ×${d.eventCount}`} · <span title={fullTime(tsDate(d.attemptTime))}>{relTime(tsDate(d.attemptTime))}</span>
                    {d.attempt > 1 && ` · attempt ${d.attempt}`}
                    {d.detail && <div class="muted">{d.detail}</div>}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </li>
  );
}

function EventChoice({ events, setEvents }: { events: NotificationEvent[]; setEvents: (e: NotificationEvent[]) => void }) {
  return (
    <fieldset class="events">
      <legend>Events</legend>
      {eventNames.map(([v, name]) => (
        <label class="check" key={v}>
          <input type="checkbox" checked={events.includes(v)} onChange={(e) => setEvents(e.currentTarget.checked ? [...events, v] : events.filter((x) => x !== v))} />
          {name}
        </label>
      ))}
    </fieldset>
  );
}

const defaultEvents = [NotificationEvent.QUESTION_ASKED, NotificationEvent.APPROVAL_REQUESTED];

/** Email to the account's own address, or to another one once its owner confirms. */
function AddEmail({ onAdded }: { onAdded: () => void }) {
  const [address, setAddress] = useState("");
  const [note, setNote] = useState("");
  const [events, setEvents] = useState<NotificationEvent[]>([...defaultEvents, NotificationEvent.SESSION_FAILED]);
  const [escalate, setEscalate] = useState(0);
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    setError("");
    setNote("");
    try {
      const res = await notifyApi.createEmailChannel({ address: address.trim(), events, escalateAfter: escalateAfter(escalate) });
      if (res.channel?.awaitingConfirmation) setNote(`A confirmation link went to ${address.trim()}: nothing is sent there until its owner follows it.`);
      setAddress("");
      onAdded();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="card pad" onSubmit={submit} data-testid="add-email">
      <h2>Email me</h2>
      <p class="muted small">With a one-click answer link per option. Pair it with push: “after 10 minutes” emails only what is still open by then.</p>
      <label>
        Address
        <input type="email" placeholder="Empty: your account's address" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
      </label>
      <EventChoice events={events} setEvents={setEvents} />
      <EscalationSelect label="Send" value={escalate} onChange={setEscalate} />
      <button class="btn btn-primary" type="submit" disabled={events.length === 0}>
        Add email
      </button>
      {note && (
        <p class="muted" role="status">
          {note}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function AddWebhook({ onAdded }: { onAdded: () => void }) {
  const [kind, setKind] = useState(ChannelKind.WEBHOOK);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<NotificationEvent[]>(defaultEvents);
  const [escalate, setEscalate] = useState(0);
  const [secret, setSecret] = useState("");
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    setError("");
    try {
      const res = await notifyApi.createWebhookChannel({ kind, url: url.trim(), events, escalateAfter: escalateAfter(escalate) });
      setSecret(res.signingSecret);
      setUrl("");
      onAdded();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="card pad" onSubmit={submit} data-testid="add-webhook">
      <h2>Add a webhook</h2>
      <label>
        Kind
        <select value={kind} onChange={(e) => setKind(Number(e.currentTarget.value) as ChannelKind)}>
          <option value={ChannelKind.WEBHOOK}>Webhook (signed JSON)</option>
          <option value={ChannelKind.SLACK}>Slack incoming webhook</option>
        </select>
      </label>
      <label>
        URL
        <input type="url" required placeholder="https://example.com/hooks/switchboard" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      </label>
      <EventChoice events={events} setEvents={setEvents} />
      <EscalationSelect label="Send" value={escalate} onChange={setEscalate} />
      <button class="btn btn-primary" type="submit" disabled={!url.trim() || events.length === 0}>
        Add
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <div class="secret" role="alert">
          <p>
            <strong>Signing secret, shown once:</strong> receivers check <code>Switchboard-Signature</code> with it.
          </p>
          <code>{secret}</code>
        </div>
      )}
    </form>
  );
}
