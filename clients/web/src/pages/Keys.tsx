import { useEffect, useState } from "preact/hooks";
import type { ApiKey } from "@switchboard/client/web";
import { api, errorText } from "../api";
import { fullTime, relTime, tsDate } from "../format";
import { Modal, Spinner } from "../ui";
import { projects } from "../projects";
import { isAdmin } from "../roles";
import { useStore } from "../store";

/** The chosen project's keys; only its admins manage them (the server refuses anyone else). */
export function Keys() {
  const p = useStore(projects())!;
  const project = p.current;
  if (!project || !isAdmin(project.role)) {
    return (
      <main class="page">
        <h1>API keys</h1>
        <p class="muted card pad">{project ? `Only admins of ${project.name} manage its API keys.` : "Choose a project above to see its API keys."}</p>
      </main>
    );
  }
  return <ProjectKeys key={project.id} projectId={project.id} projectName={project.personal ? "" : project.name} />;
}

function ProjectKeys({ projectId, projectName }: { projectId: string; projectName: string }) {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [showRevoked, setShowRevoked] = useState(false);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const load = async () => {
    try {
      const res = await api.listApiKeys({ includeRevoked: showRevoked, pageSize: 200, projectId });
      setKeys(res.apiKeys);
    } catch (e) {
      setError(errorText(e));
      setKeys([]);
    }
  };
  useEffect(() => void load(), [showRevoked]);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const res = await api.createApiKey({ name: name.trim(), projectId });
      setSecret({ name: res.apiKey?.name ?? name, value: res.secret });
      setCopied(false);
      setName("");
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.value);
      setCopied(true);
    } catch {
      // No clipboard permission (plain http): select the text for a manual copy.
      const el = document.getElementById("secret-value");
      if (el) getSelection()?.selectAllChildren(el);
    }
  };

  return (
    <main class="page">
      <div class="page-head">
        <div>
          <h1>API keys{projectName && ` · ${projectName}`}</h1>
          <p class="muted small">
            {projectName ? `Agents with these keys work in ${projectName}: its members see their sessions.` : "Agents authenticate with these keys. Everything they write belongs to you."}
          </p>
        </div>
      </div>

      <form class="card create-key" onSubmit={create}>
        <label>
          New key name
          <input name="key-name" placeholder="e.g. laptop claude-code" maxLength={100} required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button class="btn btn-primary" type="submit" disabled={busy || !name.trim()}>
          {busy ? "Creating…" : "Create key"}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}

      {secret && (
        <div class="card secret" role="alert" data-testid="new-secret">
          <p>
            <strong>Copy the key “{secret.name}” now.</strong> It won't be shown again.
          </p>
          <div class="secret-row">
            <code id="secret-value" data-testid="secret-value">
              {secret.value}
            </code>
            <button class="btn btn-primary" onClick={copy} type="button">
              {copied ? "Copied ✓" : "Copy"}
            </button>
          </div>
          <button class="btn btn-ghost" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}

      <div class="list-head">
        <h2>{projectName ? "The project's keys" : "Your keys"}</h2>
        <label class="toggle">
          <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked(e.currentTarget.checked)} />
          Show revoked
        </label>
      </div>
      {keys === null ? (
        <Spinner />
      ) : keys.length === 0 ? (
        <p class="muted">No keys yet.</p>
      ) : (
        <ul class="key-list" data-testid="key-list">
          {keys.map((k) => {
            const revoked = !!k.revokeTime;
            const expired = k.expireTime && tsDate(k.expireTime)!.getTime() < Date.now();
            return (
              <li key={k.id} class={`card key-row${revoked ? " revoked" : ""}`} data-testid="key-row" data-key-name={k.name}>
                <div class="key-main">
                  <div class="key-name">{k.name}</div>
                  <code class="muted small">{k.prefix}…</code>
                </div>
                <div class="key-meta muted small">
                  <span title={fullTime(tsDate(k.createTime))}>created {relTime(tsDate(k.createTime))}</span>
                  <span>{k.lastUsedTime ? `used ${relTime(tsDate(k.lastUsedTime))}` : "never used"}</span>
                  {projectName && k.creatorEmail && <span>by {k.creatorEmail}</span>}
                </div>
                <div class="key-side">
                  {revoked ? (
                    <span class="badge badge-muted">Revoked</span>
                  ) : expired ? (
                    <span class="badge badge-warn">Expired</span>
                  ) : (
                    <button class="btn btn-danger-outline" onClick={() => setRevoking(k)}>
                      Revoke
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}

      {revoking && (
        <Modal title={`Revoke “${revoking.name}”?`} onClose={() => setRevoking(null)}>
          <p class="muted">Agents using this key are refused from their very next call. This can't be undone.</p>
          <div class="modal-actions">
            <button class="btn btn-ghost" onClick={() => setRevoking(null)}>
              Cancel
            </button>
            <button
              class="btn btn-danger"
              onClick={async () => {
                try {
                  await api.revokeApiKey({ apiKeyId: revoking.id });
                  setRevoking(null);
                  await load();
                } catch (e) {
                  setError(errorText(e));
                  setRevoking(null);
                }
              }}
            >
              Revoke key
            </button>
          </div>
        </Modal>
      )}
    </main>
  );
}
