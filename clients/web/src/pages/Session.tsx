import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { formatCost, isTerminal, newRequestId, SessionStatus, type Question } from "@switchboard/client/web";
import { api, errorText, launchApi } from "../api";
import { stopReasonText } from "../launch";
import { navigate } from "../router";
import { SessionView } from "../sessionview";
import { useStore } from "../store";
import { ConnState, Link, Modal, Spinner, StatusBadge, useNow } from "../ui";
import { relTime, tokens, tsDate } from "../format";
import { DiffView } from "../diff";
import { QuestionCard } from "./Question";
import { ApprovalCard } from "./Approval";
import { FeedItem } from "./Feed";
import { ShareDialog } from "./Share";
import { projects } from "../projects";
import { canEdit, isAdmin, roleLabel, sessionRole } from "../roles";

export function SessionPage({ id }: { id: string }) {
  const view = useMemo(() => new SessionView(id), [id]);
  useEffect(() => {
    void view.start();
    return () => view.stop();
  }, [view]);
  useStore(view);
  const now = useNow(30_000);
  const [banner, setBanner] = useState("");
  const [renaming, setRenaming] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [diffOpen, setDiffOpen] = useState(false);
  const [sharing, setSharing] = useState(false);
  const s = view.session;
  // What my role lets me do here (the server enforces it; hidden controls just avoid refusals).
  const myProjects = useStore(projects())!.list;
  const access = sessionRole(myProjects, s?.projectId ?? "", view.callerRole);
  const edit = canEdit(access.role);
  const admin = isAdmin(access.role) && !access.shared;

  // Scroll: start at the bottom; follow live messages while at the bottom; keep the position
  // when older messages are prepended.
  const atBottom = useRef(true);
  const firstScroll = useRef(false);
  const prevHeight = useRef(0);
  const prevLow = useRef(0n);
  useEffect(() => {
    const onScroll = () => {
      atBottom.current = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 80;
    };
    window.addEventListener("scroll", onScroll, { passive: true });
    return () => window.removeEventListener("scroll", onScroll);
  }, []);
  useLayoutEffect(() => {
    const h = document.documentElement.scrollHeight;
    const low = view.feed.lowSeq;
    if (!firstScroll.current && view.feed.messages.length) {
      firstScroll.current = true;
      window.scrollTo(0, h);
    } else if (prevLow.current && low < prevLow.current) {
      window.scrollBy(0, h - prevHeight.current);
    } else if (atBottom.current && firstScroll.current) {
      window.scrollTo(0, h);
    }
    prevHeight.current = h;
    prevLow.current = low;
  });

  // Load older history when the top sentinel comes into view.
  const top = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = top.current;
    if (!el || !("IntersectionObserver" in window)) return;
    const io = new IntersectionObserver((es) => {
      if (es.some((e) => e.isIntersecting) && firstScroll.current) void view.loadOlder();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [view, !!s]);

  const questions = useMemo(() => {
    const m = new Map<string, Question>();
    for (const x of view.feed.messages) if (x.body.case === "question") m.set(x.body.value.id, x.body.value);
    for (const q of view.openQuestions) m.set(q.id, q);
    return m;
  }, [view.version]);

  if (!s) {
    return (
      <main class="page">
        <Link href="/" class="back">
          ← Sessions
        </Link>
        {view.error ? (
          <div class="card empty">
            <h2>{view.notFound ? "Session not found" : "Couldn't load this session"}</h2>
            <p class="muted">{view.error}</p>
          </div>
        ) : (
          <Spinner label="Loading session…" />
        )}
      </main>
    );
  }

  const terminal = isTerminal(s.status);
  const diffSummary = view.diff?.summary ?? s.diffSummary;

  return (
    <main class="page session-page">
      <div class="session-head">
        <Link href="/" class="back">
          ← Sessions
        </Link>
        <ConnState state={view.conn} />
      </div>
      <header class="card session-card">
        {renaming ? (
          <RenameForm
            name={s.name}
            onCancel={() => setRenaming(false)}
            onSave={async (name) => {
              const res = await api.renameSession({ sessionId: s.id, name });
              view.setSession(res.session);
              setRenaming(false);
            }}
          />
        ) : (
          <div class="title-row">
            <h1 data-testid="session-name">{s.name}</h1>
            {edit && (
              <button class="btn btn-ghost btn-icon" aria-label="Rename session" title="Rename" onClick={() => setRenaming(true)}>
                ✎
              </button>
            )}
          </div>
        )}
        <div class="meta-row">
          <StatusBadge status={s.status} />
          <span class="muted small">{s.agentName}</span>
          <span class="muted small">active {relTime(tsDate(s.lastActivityTime), now)}</span>
          {access.shared && <span class="badge badge-muted">Shared with you</span>}
          {!edit && (
            <span class="badge badge-muted" data-testid="view-only">
              {roleLabel(access.role)} only
            </span>
          )}
        </div>
        <dl class="stats">
          <div>
            <dt>Cost</dt>
            <dd data-testid="cost">{formatCost(s.usage?.costMicros ?? 0n)}</dd>
          </div>
          <div title={`${s.usage?.inputTokens ?? 0n} input, ${s.usage?.outputTokens ?? 0n} output tokens`}>
            <dt>Tokens</dt>
            <dd>{tokens((s.usage?.inputTokens ?? 0n) + (s.usage?.outputTokens ?? 0n))}</dd>
          </div>
          <div>
            <dt>Changes</dt>
            <dd>
              {diffSummary ? (
                <a href="#changes" onClick={() => setDiffOpen(true)} aria-label={`${diffSummary.filesChanged} files changed, ${diffSummary.additions} additions, ${diffSummary.deletions} deletions`}>
                  <span class="plus">+{diffSummary.additions}</span> <span class="minus">−{diffSummary.deletions}</span>
                </a>
              ) : (
                "none"
              )}
            </dd>
          </div>
        </dl>
        {s.summary && <p class="summary">{s.summary}</p>}
        {s.parentSessionId && (
          <p class="muted small" data-testid="parent-link">
            Continues <Link href={`/sessions/${encodeURIComponent(s.parentSessionId)}`}>an earlier session</Link>
          </p>
        )}
        {stopReasonText(s) && (
          <div class="card stop-reason" data-testid="stop-reason">
            <strong>{stopReasonText(s)}</strong>
            {s.lastOutputLines.length > 0 && (
              <details open={s.status === SessionStatus.FAILED}>
                <summary class="muted small">Last output ({s.lastOutputLines.length} lines)</summary>
                <pre class="last-output" data-testid="last-output">
                  {s.lastOutputLines.join("\n")}
                </pre>
              </details>
            )}
          </div>
        )}
        {(admin || (edit && !terminal) || (edit && terminal && !!s.runnerId)) && (
          <div class="actions">
            {edit && terminal && !!s.runnerId && <ContinueButton sessionId={s.id} />}
            {admin && (
              <button class="btn" onClick={() => setSharing(true)}>
                Share
              </button>
            )}
            {edit && !terminal && (
              <button class="btn btn-danger-outline" onClick={() => setStopping(true)} disabled={s.status === SessionStatus.STOPPING}>
                {s.status === SessionStatus.STOPPING ? "Stopping…" : "Stop session"}
              </button>
            )}
          </div>
        )}
      </header>

      {diffSummary && (
        <details id="changes" class="card changes" open={diffOpen} onToggle={(e) => setDiffOpen((e.currentTarget as HTMLDetailsElement).open)}>
          <summary>
            <span class="changes-title">Changes</span>
            <span class="muted small">
              {diffSummary.filesChanged} file{diffSummary.filesChanged === 1 ? "" : "s"}
            </span>
            <span class="plus">+{diffSummary.additions}</span>
            <span class="minus">−{diffSummary.deletions}</span>
          </summary>
          {view.diff?.diff ? <DiffView text={view.diff.diff} /> : view.diffLoading ? <Spinner /> : <p class="muted">Clean working tree.</p>}
        </details>
      )}

      <section class="feed-wrap" aria-label="Activity">
        <div ref={top} class="feed-top">
          {view.feed.hasOlder && view.feed.olderToken ? (
            <button class="btn btn-ghost" onClick={() => view.loadOlder()} disabled={view.loadingOlder}>
              {view.loadingOlder ? "Loading…" : "Load earlier activity"}
            </button>
          ) : (
            <span class="muted small">Beginning of the session</span>
          )}
        </div>
        <ol class="feed" data-testid="feed">
          {view.feed.messages.map((m) =>
            m.body.case === "approval" ? (
              // The card lives where the agent asked, and turns into the decision in place.
              <li key={String(m.seq)} class="item ap-item" data-seq={String(m.seq)}>
                <ApprovalCard
                  sessionId={s.id}
                  a={view.approvals.get(m.body.value.id) ?? m.body.value}
                  result={view.approvalResults.get(m.body.value.id)}
                  ended={terminal}
                  readOnly={!edit}
                  onDecided={(r) => view.decided(r)}
                />
              </li>
            ) : (
              <FeedItem
                key={String(m.seq)}
                m={m}
                questions={questions}
                answers={view.answers}
                open={view.open}
                approvals={view.approvals}
                readOnly={!edit}
              />
            ),
          )}
        </ol>
      </section>

      {banner && (
        <div class="banner banner-warn" role="alert" data-testid="banner">
          <span>{banner}</span>
          <button class="btn btn-ghost" onClick={() => setBanner("")}>
            Dismiss
          </button>
        </div>
      )}
      {view.error && (
        <p class="error" role="alert">
          {view.error}
        </p>
      )}

      {/* Open approvals asked before the loaded history (their card is not in the feed yet). */}
      {view.openApprovals
        .filter((a) => !view.approvalInFeed.has(a.id))
        .map((a) => (
          <ApprovalCard key={a.id} sessionId={s.id} a={a} ended={terminal} readOnly={!edit} onDecided={(r) => view.decided(r)} />
        ))}

      {view.openQuestions.map((q) => (
        <QuestionCard key={q.id} sessionId={s.id} q={q} readOnly={!edit} onConflict={setBanner} onAnswered={() => view.dropQuestion(q.id)} />
      ))}

      {!terminal && edit && <Composer sessionId={s.id} />}
      {sharing && <ShareDialog sessionId={s.id} onClose={() => setSharing(false)} />}

      {stopping && (
        <StopDialog
          onClose={() => setStopping(false)}
          onStop={async (reason) => {
            const res = await api.stopSession({ sessionId: s.id, reason });
            view.setSession(res.session);
            setStopping(false);
          }}
        />
      )}
    </main>
  );
}

function Composer({ sessionId }: { sessionId: string }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const send = async (e: Event) => {
    e.preventDefault();
    const t = text.trim();
    if (!t) return;
    setBusy(true);
    setError("");
    try {
      await api.sendMessage({ sessionId, text: t, requestId: newRequestId() });
      setText("");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="composer" onSubmit={send}>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="composer-row">
        <textarea
          aria-label="Message to the agent"
          placeholder="Message the agent…"
          rows={1}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) void send(e);
          }}
        />
        <button class="btn btn-primary" type="submit" disabled={busy || !text.trim()}>
          Send
        </button>
      </div>
    </form>
  );
}

function RenameForm(props: { name: string; onSave: (name: string) => Promise<void>; onCancel: () => void }) {
  const [name, setName] = useState(props.name);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="rename"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          await props.onSave(name.trim());
        } catch (err) {
          setError(errorText(err));
          setBusy(false);
        }
      }}
    >
      <input aria-label="Session name" value={name} maxLength={200} required onInput={(e) => setName(e.currentTarget.value)} autoFocus />
      <div class="row-actions">
        <button class="btn btn-primary" type="submit" disabled={busy || !name.trim()}>
          Save
        </button>
        <button class="btn btn-ghost" type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      {error && <p class="error">{error}</p>}
    </form>
  );
}

function StopDialog(props: { onStop: (reason: string) => Promise<void>; onClose: () => void }) {
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  return (
    <Modal title="Stop this session?" onClose={props.onClose}>
      <p class="muted">The agent is asked to stop. It sees the request right away and the session ends when it wraps up.</p>
      <label>
        Reason (shown to the agent, optional)
        <input value={reason} maxLength={2000} onInput={(e) => setReason(e.currentTarget.value)} />
      </label>
      {error && <p class="error">{error}</p>}
      <div class="modal-actions">
        <button class="btn btn-ghost" onClick={props.onClose}>
          Cancel
        </button>
        <button
          class="btn btn-danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await props.onStop(reason.trim());
            } catch (e) {
              setError(errorText(e));
              setBusy(false);
            }
          }}
        >
          {busy ? "Stopping…" : "Stop session"}
        </button>
      </div>
    </Modal>
  );
}

/** Continue an ended launched session: a new run in the same workspace, linked to this one. */
function ContinueButton({ sessionId }: { sessionId: string }) {
  const [open, setOpen] = useState(false);
  const [prompt, setPrompt] = useState("");
  const [requestId] = useState(() => newRequestId());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const go = async () => {
    setBusy(true);
    setError("");
    try {
      const res = await launchApi.continueSession({ sessionId, requestId, prompt: prompt.trim() });
      setOpen(false);
      navigate(`/sessions/${encodeURIComponent(res.session!.id)}`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button class="btn btn-primary" onClick={() => setOpen(true)} data-testid="continue">
        Continue
      </button>
      {open && (
        <Modal title="Continue this session" onClose={() => setOpen(false)}>
          <p class="muted small">The agent runs again on the same runner, in the same workspace, resuming its conversation.</p>
          <label>
            What next? (optional)
            <textarea rows={3} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} name="continue-prompt" />
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="modal-actions">
            <button class="btn btn-ghost" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button class="btn btn-primary" onClick={go} disabled={busy}>
              {busy ? "Starting…" : "Continue"}
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}
