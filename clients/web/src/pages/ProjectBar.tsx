// The project switcher under the top bar: personal project first, team projects, "Shared with
// me"; a new project; the Members and Audit pages of the chosen project.
import { useState } from "preact/hooks";
import { errorText } from "../api";
import { projects } from "../projects";
import { SHARED, roleLabel } from "../roles";
import { useStore } from "../store";
import { Link, Modal } from "../ui";
import { navigate } from "../router";

const NEW = "__new__";

export function ProjectBar({ path }: { path: string }) {
  const p = useStore(projects())!;
  const [creating, setCreating] = useState(false);
  return (
    <div class="project-bar">
      <div class="project-bar-inner">
        <label class="project-pick">
          <span class="sr-only">Project</span>
          <select
            aria-label="Project"
            data-testid="project-switcher"
            value={p.currentId}
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v === NEW) {
                e.currentTarget.value = p.currentId;
                setCreating(true);
              } else {
                p.select(v);
                if (path.startsWith("/sessions/")) navigate("/");
              }
            }}
          >
            {p.list.map((x) => (
              <option key={x.id} value={x.id}>
                {x.personal ? (/personal/i.test(x.name) ? x.name : `${x.name} (personal)`) : `${x.name} · ${roleLabel(x.role)}`}
              </option>
            ))}
            <option value={SHARED}>Shared with me</option>
            <option value={NEW}>+ New project…</option>
          </select>
        </label>
        {!p.shared && (
          <Link href="/members" class={path === "/members" ? "nav active" : "nav"}>
            Members
          </Link>
        )}
        <Link href="/audit" class={path === "/audit" ? "nav active" : "nav"}>
          Audit
        </Link>
      </div>
      {creating && <NewProject onClose={() => setCreating(false)} />}
    </div>
  );
}

function NewProject({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  return (
    <Modal title="New project" onClose={onClose}>
      <form
        class="modal-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            await projects().create(name.trim());
            onClose();
            navigate("/members");
          } catch (err) {
            setError(errorText(err));
            setBusy(false);
          }
        }}
      >
        <p class="muted">A project for a team: its own agents, sessions, API keys and members. You are its admin.</p>
        <label>
          Name
          <input value={name} maxLength={200} required autoFocus onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="modal-actions">
          <button class="btn btn-ghost" type="button" onClick={onClose}>
            Cancel
          </button>
          <button class="btn btn-primary" type="submit" disabled={busy || !name.trim()}>
            {busy ? "Creating…" : "Create project"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
