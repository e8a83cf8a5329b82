// Invitations waiting for the signed-in person (addressed to their email), and the page an invite
// link opens after sign-in.
import { useState } from "preact/hooks";
import { errorText } from "../api";
import { projects } from "../projects";
import { roleLabel } from "../roles";
import { useStore } from "../store";
import { clearInviteToken } from "../invite-link";
import { navigate } from "../router";

export function MyInvitations() {
  const p = useStore(projects())!;
  const [busy, setBusy] = useState("");
  const [error, setError] = useState("");
  if (!p.invitations.length) return null;
  const act = async (id: string, fn: () => Promise<unknown>) => {
    setBusy(id);
    setError("");
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy("");
    }
  };
  return (
    <section class="invitations" aria-label="Invitations">
      {p.invitations.map((inv) => (
        <div key={inv.id} class="banner" data-testid="invitation">
          <span>
            <strong>{inv.invitedByEmail}</strong> invites you to <strong>{inv.projectName}</strong> as {roleLabel(inv.role).toLowerCase()}.
          </span>
          <div class="banner-actions">
            <button class="btn btn-primary" disabled={!!busy} onClick={() => act(inv.id, async () => (await p.accept({ invitationId: inv.id }), navigate("/")))}>
              Accept
            </button>
            <button class="btn btn-ghost" disabled={!!busy} onClick={() => act(inv.id, () => p.decline(inv.id))}>
              Decline
            </button>
          </div>
        </div>
      ))}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** Opened by `#/invite/<token>` once signed in: one click joins the project. */
export function InviteAccept({ token, onDone }: { token: string; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const done = () => {
    clearInviteToken();
    onDone();
  };
  return (
    <main class="page">
      <div class="card invite-card">
        <h1>Join a project</h1>
        <p class="muted">Someone sent you an invite link. Accepting adds you to their project with the role they chose; the link then stops working.</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row-actions">
          <button
            class="btn btn-primary"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError("");
              try {
                await projects().accept({ token });
                done();
                navigate("/");
              } catch (e) {
                setError(errorText(e));
                setBusy(false);
              }
            }}
          >
            {busy ? "Joining…" : "Accept invitation"}
          </button>
          <button class="btn btn-ghost" onClick={done}>
            {error ? "Close" : "Not now"}
          </button>
        </div>
      </div>
    </main>
  );
}
