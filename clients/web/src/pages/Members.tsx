// The chosen project's members: list (everyone); invite by email with a role, change roles,
// remove, pending invitations, delete the project (admins); leave (anyone but the last admin —
// the server's refusal is shown as it words it).
import { useEffect, useState } from "preact/hooks";
import { ProjectRole, type Invitation, type Member } from "@switchboard/client/web";
import { auth, errorText, projectApi } from "../api";
import { projects } from "../projects";
import { isAdmin, roleLabel } from "../roles";
import { useStore } from "../store";
import { Modal, Spinner } from "../ui";
import { fullTime, relTime, tsDate } from "../format";
import { inviteLink } from "../invite-link";
import { navigate } from "../router";

const roles = [ProjectRole.VIEW, ProjectRole.EDIT, ProjectRole.ADMIN];

function RoleSelect(props: { value: ProjectRole; onChange: (r: ProjectRole) => void; label: string; disabled?: boolean }) {
  return (
    <select aria-label={props.label} value={String(props.value)} disabled={props.disabled} onChange={(e) => props.onChange(Number(e.currentTarget.value) as ProjectRole)}>
      {roles.map((r) => (
        <option key={r} value={String(r)}>
          {roleLabel(r)}
        </option>
      ))}
    </select>
  );
}

export function Members() {
  const p = useStore(projects())!;
  const project = p.current;
  const admin = isAdmin(p.role);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [invites, setInvites] = useState<Invitation[]>([]);
  const [error, setError] = useState("");
  const [confirm, setConfirm] = useState<{ title: string; text: string; action: string; run: () => Promise<void> } | null>(null);

  const load = async () => {
    if (!project) return;
    try {
      const res = await projectApi.listMembers({ projectId: project.id });
      setMembers(res.members);
      if (isAdmin(project.role) && !project.personal) setInvites((await projectApi.listProjectInvitations({ projectId: project.id })).invitations);
    } catch (e) {
      setError(errorText(e));
      setMembers([]);
    }
  };
  useEffect(() => {
    setMembers(null);
    setInvites([]);
    setError("");
    void load();
  }, [project?.id, project?.role]);

  if (!project) {
    return (
      <main class="page">
        <h1>Members</h1>
        <p class="muted">Sessions shared with you have no members list: choose a project above.</p>
      </main>
    );
  }

  const run = async (fn: () => Promise<unknown>) => {
    setError("");
    try {
      await fn();
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <main class="page">
      <div class="page-head">
        <div>
          <h1>Members</h1>
          <p class="muted small">
            {project.name} · you are {roleLabel(project.role).toLowerCase()}
          </p>
        </div>
      </div>

      {project.personal ? (
        <p class="muted card pad">
          Your personal project is yours alone. To work with others, create a team project (“+ New project…” in the switcher) and invite them there, or share a single session.
        </p>
      ) : (
        admin && <InviteForm projectId={project.id} onInvited={load} />
      )}

      {error && (
        <p class="error" role="alert" data-testid="members-error">
          {error}
        </p>
      )}

      {members === null ? (
        <Spinner />
      ) : (
        <ul class="member-list" data-testid="member-list">
          {members.map((m) => {
            const me = m.userId === auth.user?.id;
            return (
              <li key={m.userId} class="card member-row" data-testid="member-row" data-email={m.email}>
                <div class="member-main">
                  <div class="member-name">
                    {m.email}
                    {me && <span class="muted"> (you)</span>}
                  </div>
                  <span class="muted small">
                    {m.displayName && `${m.displayName} · `}joined {relTime(tsDate(m.joinTime))}
                  </span>
                </div>
                <div class="member-side">
                  {admin && !project.personal ? (
                    <>
                      <RoleSelect label={`Role of ${m.email}`} value={m.role} onChange={(r) => run(() => projectApi.changeMemberRole({ projectId: project.id, userId: m.userId, role: r }))} />
                      {!me && (
                        <button
                          class="btn btn-danger-outline"
                          onClick={() =>
                            setConfirm({
                              title: `Remove ${m.email}?`,
                              text: "They lose access to the project's sessions at once, including any page they have open.",
                              action: "Remove",
                              run: () => projectApi.removeMember({ projectId: project.id, userId: m.userId }).then(load),
                            })
                          }
                        >
                          Remove
                        </button>
                      )}
                    </>
                  ) : (
                    <span class="badge badge-muted">{roleLabel(m.role)}</span>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}

      {invites.length > 0 && (
        <>
          <h2>Pending invitations</h2>
          <ul class="member-list" data-testid="pending-invitations">
            {invites.map((i) => (
              <li key={i.id} class="card member-row">
                <div class="member-main">
                  <div class="member-name">{i.email}</div>
                  <span class="muted small" title={fullTime(tsDate(i.expireTime))}>
                    invited {relTime(tsDate(i.createTime))} by {i.invitedByEmail}
                  </span>
                </div>
                <span class="badge badge-muted member-side">{roleLabel(i.role)}</span>
              </li>
            ))}
          </ul>
        </>
      )}

      {!project.personal && (
        <div class="card pad danger-zone">
          <div class="row-actions">
            <button
              class="btn btn-danger-outline"
              onClick={() =>
                setConfirm({
                  title: `Leave ${project.name}?`,
                  text: "You lose access to its sessions until someone invites you again.",
                  action: "Leave project",
                  run: async () => {
                    await projectApi.leaveProject({ projectId: project.id });
                    await projects().forgetCurrent();
                    navigate("/");
                  },
                })
              }
            >
              Leave project
            </button>
            {admin && (
              <button
                class="btn btn-danger-outline"
                onClick={() =>
                  setConfirm({
                    title: `Delete ${project.name}?`,
                    text: "Its agents, sessions, API keys and invitations are deleted for everyone. This can't be undone.",
                    action: "Delete project",
                    run: async () => {
                      await projectApi.deleteProject({ projectId: project.id });
                      await projects().forgetCurrent();
                      navigate("/");
                    },
                  })
                }
              >
                Delete project
              </button>
            )}
          </div>
        </div>
      )}

      {confirm && <Confirm {...confirm} onClose={() => setConfirm(null)} />}
    </main>
  );
}

function Confirm(props: { title: string; text: string; action: string; run: () => Promise<void>; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <p class="muted">{props.text}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
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
              await props.run();
              props.onClose();
            } catch (e) {
              // e.g. "the last admin cannot leave": the server's own words.
              setError(errorText(e));
              setBusy(false);
            }
          }}
        >
          {props.action}
        </button>
      </div>
    </Modal>
  );
}

function InviteForm({ projectId, onInvited }: { projectId: string; onInvited: () => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState(ProjectRole.VIEW);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const [copied, setCopied] = useState(false);
  return (
    <>
      <form
        class="card invite-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError("");
          try {
            const res = await projectApi.inviteMember({ projectId, email: email.trim(), role });
            setLink({ email: res.invitation?.email ?? email, url: inviteLink(res.token) });
            setCopied(false);
            setEmail("");
            await onInvited();
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Invite by email
          <input type="email" name="invite-email" required value={email} placeholder="teammate@example.com" onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Role
          <RoleSelect label="Role" value={role} onChange={setRole} />
        </label>
        <button class="btn btn-primary" type="submit" disabled={busy || !email.trim()}>
          {busy ? "Inviting…" : "Invite"}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {link && (
        <div class="card secret" role="alert" data-testid="invite-link">
          <p>
            <strong>{link.email}</strong> sees the invitation after signing in. Or send them this link now: it works once and won't be shown again.
          </p>
          <div class="secret-row">
            <code id="invite-url" data-testid="invite-url">
              {link.url}
            </code>
            <button
              class="btn btn-primary"
              type="button"
              onClick={async () => {
                try {
                  await navigator.clipboard.writeText(link.url);
                  setCopied(true);
                } catch {
                  const el = document.getElementById("invite-url");
                  if (el) getSelection()?.selectAllChildren(el);
                }
              }}
            >
              {copied ? "Copied ✓" : "Copy"}
            </button>
          </div>
          <button class="btn btn-ghost" onClick={() => setLink(null)}>
            Done
          </button>
        </div>
      )}
    </>
  );
}
