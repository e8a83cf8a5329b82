// The audit trail of the chosen project (admins: everyone's actions; others: their own), or of my
// own actions everywhere from "Shared with me". Filters: session, actor, action; newest first,
// keyset pages ("Load more").
import { useEffect, useRef, useState } from "preact/hooks";
import { AuditAction, AuditChannel, type AuditEvent, type Member } from "@switchboard/client/web";
import { errorText, projectApi } from "../api";
import { projects } from "../projects";
import { isAdmin } from "../roles";
import { useStore } from "../store";
import { Link, Spinner } from "../ui";
import { fullTime, tsDate } from "../format";

export const actionLabels: Record<number, string> = {
  [AuditAction.QUESTION_ANSWERED]: "Question answered",
  [AuditAction.MESSAGE_SENT]: "Message sent",
  [AuditAction.SESSION_STOPPED]: "Session stopped",
  [AuditAction.SESSION_RENAMED]: "Session renamed",
  [AuditAction.SESSION_DELETED]: "Session deleted",
  [AuditAction.APPROVAL_ALLOWED]: "Tool call allowed",
  [AuditAction.APPROVAL_ALLOWED_FOR_SESSION]: "Tool allowed for the session",
  [AuditAction.APPROVAL_DENIED]: "Tool call denied",
  [AuditAction.API_KEY_CREATED]: "API key created",
  [AuditAction.API_KEY_REVOKED]: "API key revoked",
  [AuditAction.MEMBER_INVITED]: "Member invited",
  [AuditAction.INVITATION_ACCEPTED]: "Invitation accepted",
  [AuditAction.INVITATION_DECLINED]: "Invitation declined",
  [AuditAction.MEMBER_REMOVED]: "Member removed",
  [AuditAction.MEMBER_ROLE_CHANGED]: "Role changed",
  [AuditAction.MEMBER_LEFT]: "Member left",
  [AuditAction.SHARE_GRANTED]: "Session shared",
  [AuditAction.SHARE_REVOKED]: "Share revoked",
  [AuditAction.PROJECT_CREATED]: "Project created",
  [AuditAction.PROJECT_DELETED]: "Project deleted",
  [AuditAction.SESSION_LAUNCHED]: "Session launched",
  [AuditAction.SESSION_CONTINUED]: "Session continued",
  [AuditAction.RUNNER_CREATED]: "Runner created",
  [AuditAction.RUNNER_REVOKED]: "Runner revoked",
};

const channelLabels: Record<number, string> = {
  [AuditChannel.DASHBOARD]: "Dashboard",
  [AuditChannel.API]: "API",
  [AuditChannel.NOTIFICATION_LINK]: "Notification link",
  [AuditChannel.PUSH_ACTION]: "Push action",
};

/** details_json as "key: value" pairs a person can read. */
function details(json: string): string {
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    return Object.entries(o)
      .filter(([, v]) => v !== "" && v !== null && !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => `${k.replace(/_/g, " ")}: ${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v)}`)
      .join(" · ");
  } catch {
    return json;
  }
}

export function Audit() {
  const p = useStore(projects())!;
  const project = p.current;
  const params = new URLSearchParams(location.search);
  const [session, setSession] = useState(params.get("session") ?? "");
  /** The session filter as applied (on Enter or leaving the field), not on every keystroke. */
  const [sessionQ, setSessionQ] = useState(session);
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [members, setMembers] = useState<Member[]>([]);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  /** The next page's token, with the list (generation) it continues and the filters it was read with. */
  const [next, setNext] = useState({ token: "", gen: 0 });
  const [shown, setShown] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const projectId = project?.id ?? "";
  const admin = !!project && isAdmin(project.role);

  useEffect(() => {
    setMembers([]);
    if (admin) projectApi.listMembers({ projectId }).then((r) => setMembers(r.members), () => {});
  }, [projectId, admin]);

  // Each new set of filters starts a new list (a generation); a page of an older list, asked for
  // or answering after the filters changed, is dropped, so lists never mix.
  const gen = useRef(0);
  const load = async (token: string, of = 0) => {
    if (token && of !== gen.current) return;
    const mine = token ? gen.current : ++gen.current;
    const filters = `${sessionQ}|${actor}|${action}`;
    setBusy(true);
    setError("");
    try {
      const res = await projectApi.listAuditEvents({
        projectId,
        sessionId: sessionQ,
        actorUserId: actor,
        actions: action ? [Number(action) as AuditAction] : [],
        pageSize: 50,
        pageToken: token,
      });
      if (mine !== gen.current) return;
      setEvents((old) => (token && old ? [...old, ...res.events] : res.events));
      setNext({ token: res.nextPageToken, gen: mine });
      setShown(filters);
    } catch (e) {
      if (mine !== gen.current) return;
      setError(errorText(e));
      if (!token) setEvents([]);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setEvents(null);
    setNext({ token: "", gen: 0 });
    void load("");
  }, [projectId, actor, action, sessionQ]);

  return (
    <main class="page">
      <div class="page-head">
        <div>
          <h1>Audit</h1>
          <p class="muted small">
            {!project ? "Your own actions in every project" : admin ? `Every decision and change in ${project.name}` : `Your own actions in ${project.name}`}
          </p>
        </div>
      </div>
      <form
        class="filters audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setSessionQ(session.trim());
        }}
      >
        <label class="field">
          <span class="sr-only">Session id</span>
          <input aria-label="Filter by session id" placeholder="Session id" value={session} onInput={(e) => setSession(e.currentTarget.value)} onChange={(e) => setSessionQ(e.currentTarget.value.trim())} />
        </label>
        {admin && (
          <label class="field">
            <span class="sr-only">Actor</span>
            <select aria-label="Filter by actor" value={actor} onChange={(e) => setActor(e.currentTarget.value)}>
              <option value="">Everyone</option>
              {members.map((m) => (
                <option key={m.userId} value={m.userId}>
                  {m.email}
                </option>
              ))}
            </select>
          </label>
        )}
        <label class="field">
          <span class="sr-only">Action</span>
          <select aria-label="Filter by action" value={action} onChange={(e) => setAction(e.currentTarget.value)}>
            <option value="">All actions</option>
            {Object.entries(actionLabels).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {events === null ? (
        <Spinner />
      ) : events.length === 0 ? (
        <p class="muted card pad">No audit events match.</p>
      ) : (
        <ul class="audit-list" data-testid="audit-list" data-filters={shown}>
          {events.map((ev) => (
            <li key={ev.id} class="card audit-row" data-testid="audit-row">
              <div class="row-top">
                <strong data-testid="audit-action">{actionLabels[ev.action] ?? "Other"}</strong>
                <span class="badge badge-muted" data-testid="audit-channel">
                  {channelLabels[ev.channel] ?? "Unknown"}
                </span>
                <time class="muted small push" dateTime={tsDate(ev.createTime)?.toISOString()}>
                  {fullTime(tsDate(ev.createTime))}
                </time>
              </div>
              <div class="small">
                <span data-testid="audit-actor">{ev.actorEmail}</span>
                {ev.sessionId && (
                  <>
                    {" · "}
                    <Link href={`/sessions/${ev.sessionId}`} class="audit-session">
                      session {ev.sessionId.slice(0, 8)}
                    </Link>
                  </>
                )}
              </div>
              {details(ev.detailsJson) && <div class="muted small audit-details">{details(ev.detailsJson)}</div>}
            </li>
          ))}
        </ul>
      )}
      {next.token && (
        <button class="btn btn-block" onClick={() => load(next.token, next.gen)} disabled={busy}>
          {busy ? "Loading…" : "Load more"}
        </button>
      )}
    </main>
  );
}
