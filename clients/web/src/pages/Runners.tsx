import { useEffect, useState } from "preact/hooks";
import type { Runner } from "@switchboard/client/web";
import { errorText, launchApi } from "../api";
import { fullTime, relTime, tsDate } from "../format";
import { projects } from "../projects";
import { isAdmin } from "../roles";
import { useStore } from "../store";
import { Link, Modal, Spinner } from "../ui";

/** The chosen project's runners: online or not, capacity; admins add and revoke them. */
export function Runners() {
  const p = useStore(projects())!;
  const project = p.current;
  if (!project) {
    return (
      <main class="page">
        <h1>Runners</h1>
        <p class="muted card pad">Choose a project above to see its runners.</p>
      </main>
    );
  }
  return <ProjectRunners key={project.id} projectId={project.id} admin={isAdmin(project.role)} />;
}

function ProjectRunners({ projectId, admin }: { projectId: string; admin: boolean }) {
  const [runners, setRunners] = useState<Runner[] | null>(null);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [revoking, setRevoking] = useState<Runner | null>(null);

  const load = async () => {
    try {
      setRunners((await launchApi.listRunners({ projectId, pageSize: 100 })).runners);
    } catch (e) {
      setError(errorText(e));
      setRunners([]);
    }
  };
  useEffect(() => {
    void load();
    // Online state changes as machines come and go: refresh while the page is open.
    const t = setInterval(() => void load(), 5000);
    return () => clearInterval(t);
  }, [projectId]);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const res = await launchApi.createRunnerCredential({ projectId, name: name.trim() });
      setSecret({ name: res.runner?.name ?? name, value: res.secret });
      setName("");
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const url = window.location.origin;
  return (
    <main class="page">
      <div class="page-head">
        <div>
          <h1>Runners</h1>
          <p class="muted small">
            Machines that run launched sessions. A runner connects out to this server (no open port needed). <Link href="/new">New session</Link>
          </p>
        </div>
      </div>
      {admin && (
        <form class="card create-key" onSubmit={create}>
          <label>
            New runner name
            <input name="runner-name" placeholder="e.g. build-box" maxLength={100} required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <button class="btn btn-primary" type="submit" disabled={busy || !name.trim()}>
            {busy ? "Creating…" : "Add runner"}
          </button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <div class="card secret" role="alert" data-testid="runner-secret">
          <p>
            <strong>Start “{secret.name}” with this credential now.</strong> It won't be shown again.
          </p>
          <pre class="runner-cmd" data-testid="runner-command">
            {`umask 077; printf '%s' '${secret.value}' > ~/.switchboard-runner\nswitchboard-agent runner --url ${url} --credential-file ~/.switchboard-runner \\\n  --workdir-root ~/switchboard-work --name ${secret.name.replace(/[^A-Za-z0-9_.-]/g, "-")} --capacity 2`}
          </pre>
          <button class="btn btn-ghost" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      {runners === null ? (
        <Spinner />
      ) : runners.length === 0 ? (
        <p class="muted">No runners yet.{admin ? " Add one above and start it on a machine." : ""}</p>
      ) : (
        <ul class="key-list" data-testid="runner-list">
          {runners.map((r) => (
            <li key={r.id} class="card key-row" data-testid="runner-row" data-runner-name={r.name}>
              <div class="key-main">
                <div class="key-name">{r.name}</div>
                <span class={`badge ${r.online ? "badge-ok" : "badge-muted"}`} data-testid="runner-state">
                  {r.online ? "Online" : "Offline"}
                </span>
              </div>
              <div class="key-meta muted small">
                <span>
                  {r.runningCount}/{r.capacity} running
                </span>
                {Object.entries(r.labels).map(([k, v]) => (
                  <code key={k}>
                    {k}={v}
                  </code>
                ))}
                <span title={fullTime(tsDate(r.lastSeenTime))}>{r.lastSeenTime ? `seen ${relTime(tsDate(r.lastSeenTime))}` : "never connected"}</span>
              </div>
              {admin && (
                <div class="key-side">
                  <button class="btn btn-danger-outline" onClick={() => setRevoking(r)}>
                    Revoke
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {revoking && (
        <Modal title={`Revoke “${revoking.name}”?`} onClose={() => setRevoking(null)}>
          <p class="muted">The runner is disconnected and refused from now on. Sessions waiting for a runner stay queued for the others.</p>
          <div class="modal-actions">
            <button class="btn btn-ghost" onClick={() => setRevoking(null)}>
              Cancel
            </button>
            <button
              class="btn btn-danger"
              onClick={async () => {
                try {
                  await launchApi.revokeRunner({ runnerId: revoking.id });
                  setRevoking(null);
                  await load();
                } catch (e) {
                  setError(errorText(e));
                  setRevoking(null);
                }
              }}
            >
              Revoke runner
            </button>
          </div>
        </Modal>
      )}
    </main>
  );
}
