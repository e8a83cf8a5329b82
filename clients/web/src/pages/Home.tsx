import { useEffect, useState } from "preact/hooks";
import { SessionStatus, formatCost, isTerminal, type Session } from "@switchboard/client/web";
import { inbox, openApprovals, openCount, openQuestions, waitingText } from "../inbox";
import { ApprovalCard } from "./Approval";
import { useStore } from "../store";
import { ConnState, Link, Spinner, StatusBadge, useNow } from "../ui";
import { relTime, tsDate } from "../format";
import { dismissNotificationOffer, requestNotifications, shouldOfferNotifications } from "../notify";
import { projects } from "../projects";
import { isAdmin } from "../roles";

const statusFilters: { value: string; label: string; match: (s: Session) => boolean }[] = [
  { value: "", label: "All statuses", match: () => true },
  { value: "input", label: "Needs input", match: (s) => s.status === SessionStatus.AWAITING_INPUT || openCount(s) > 0 },
  { value: "active", label: "Active", match: (s) => s.status === SessionStatus.ACTIVE },
  { value: "running", label: "Not ended", match: (s) => !isTerminal(s.status) },
  { value: "disconnected", label: "Disconnected", match: (s) => s.status === SessionStatus.DISCONNECTED },
  { value: "ended", label: "Ended", match: (s) => isTerminal(s.status) },
];

export function Home() {
  const box = useStore(inbox())!;
  const now = useNow(30_000);
  const [agent, setAgent] = useState(new URLSearchParams(location.search).get("agent") ?? "");
  const [status, setStatus] = useState(new URLSearchParams(location.search).get("status") ?? "");
  const [offer, setOffer] = useState(shouldOfferNotifications());

  const filter = statusFilters.find((f) => f.value === status) ?? statusFilters[0];
  const list = box.list.filter((s) => (!agent || s.agentId === agent) && filter.match(s));
  const agents = box.agents();
  const waiting = box.waitingTotal;
  // Decided cards stay while this screen shows them (a decision made elsewhere is seen, not lost);
  // each visit starts with the open ones only.
  useEffect(() => {
    box.pruneDecided();
    return () => box.pruneDecided();
  }, [box]);
  const cards = box.approvalCards;

  const setParam = (k: string, v: string) => {
    const p = new URLSearchParams(location.search);
    if (v) p.set(k, v);
    else p.delete(k);
    history.replaceState(null, "", `${location.pathname}${p.toString() ? `?${p}` : ""}`);
  };

  return (
    <main class="page">
      <div class="page-head">
        <div>
          <h1>{box.shared ? "Shared with me" : "Sessions"}</h1>
          <p class="muted small">
            {waiting > 0 ? (
              <strong class="attn-text" data-testid="waiting">
                {waitingText(box.openQuestionTotal, box.openApprovalTotal)} waiting
              </strong>
            ) : (
              "Nothing needs your input"
            )}
          </p>
        </div>
        {box.shared ? (
          <button class="btn btn-ghost" onClick={() => box.reload()}>
            Refresh
          </button>
        ) : (
          <ConnState state={box.conn} />
        )}
      </div>

      {offer && (
        <div class="banner" data-testid="notify-offer">
          <span>Get a notification when an agent asks you something while this tab is in the background?</span>
          <div class="banner-actions">
            <button class="btn btn-primary" onClick={async () => (await requestNotifications(), setOffer(false))}>
              Turn on
            </button>
            <button class="btn btn-ghost" onClick={() => (dismissNotificationOffer(), setOffer(false))}>
              Not now
            </button>
          </div>
        </div>
      )}

      {cards.length > 0 && (
        <section class="inbox-approvals" aria-label="Approvals">
          {cards.map((x) => {
            const s = box.sessions.get(x.sessionId)!;
            return (
              <ApprovalCard
                key={x.approval.id}
                sessionId={x.sessionId}
                a={x.approval}
                result={x.result}
                ended={isTerminal(s.status)}
                onDecided={(r) => box.decided(x.sessionId, r)}
                onStale={() => box.refresh(x.sessionId)}
                context={
                  <Link href={`/sessions/${s.id}`} class="ap-session">
                    {s.agentName} · {s.name}
                  </Link>
                }
              />
            );
          })}
        </section>
      )}

      <div class="filters">
        <label class="field">
          <span class="sr-only">Agent</span>
          <select aria-label="Filter by agent" value={agent} onChange={(e) => (setAgent(e.currentTarget.value), setParam("agent", e.currentTarget.value))}>
            <option value="">All agents</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="sr-only">Status</span>
          <select aria-label="Filter by status" value={status} onChange={(e) => (setStatus(e.currentTarget.value), setParam("status", e.currentTarget.value))}>
            {statusFilters.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
      </div>

      {box.error && (
        <p class="error" role="alert">
          {box.error}
        </p>
      )}
      {!box.loaded ? (
        <Spinner label="Loading sessions…" />
      ) : list.length === 0 ? (
        <div class="empty card">
          {box.sessions.size === 0 && box.shared ? (
            <p class="muted">Nobody has shared a session with you yet.</p>
          ) : box.sessions.size === 0 ? (
            <>
              <h2>No sessions yet</h2>
              {isAdmin(projects().role) ? (
                <p class="muted">
                  Create an <Link href="/keys">API key</Link>, then start an agent with it. Its sessions show up here live.
                </p>
              ) : (
                <p class="muted">Sessions of agents using this project's keys show up here live.</p>
              )}
            </>
          ) : (
            <p class="muted">No session matches these filters.</p>
          )}
        </div>
      ) : (
        <ul class="session-list" data-testid="session-list">
          {list.map((s) => (
            <li key={s.id}>
              <Link href={`/sessions/${s.id}`} class={`session-row card${openCount(s) > 0 ? " needs-input" : ""}`} data-testid="session-row">
                <div class="row-top">
                  <StatusBadge status={s.status} />
                  {openCount(s) > 0 && (
                    <span class="pill-attn" data-testid="open-count">
                      {waitingText(openQuestions(s), openApprovals(s))}
                    </span>
                  )}
                  <span class="muted small push">{relTime(tsDate(s.lastActivityTime), now)}</span>
                </div>
                <div class="row-name">{s.name}</div>
                {openQuestions(s) > 0 && box.questions.get(s.id) && <div class="row-q">“{box.questions.get(s.id)}”</div>}
                {openApprovals(s) > 0 &&
                  box.approvalCards
                    .filter((x) => x.sessionId === s.id && !x.result)
                    .slice(-1)
                    .map((x) => (
                      <div key={x.approval.id} class="row-q">
                        <code>{x.approval.toolName}</code> {x.approval.preview?.summary}
                      </div>
                    ))}
                <div class="row-meta muted small">
                  <span>{s.agentName}</span>
                  <span aria-label="cost">{formatCost(s.usage?.costMicros ?? 0n)}</span>
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {box.nextPageToken && (
        <button class="btn btn-block" onClick={() => box.loadMore()} disabled={box.loadingMore}>
          {box.loadingMore ? "Loading…" : "Load more sessions"}
        </button>
      )}
    </main>
  );
}
