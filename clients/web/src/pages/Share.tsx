// Sharing one session with a person outside its project (admins of the session's project):
// email + read or read-and-write, the current shares, revoke.
import { useEffect, useState } from "preact/hooks";
import { ShareAccess, type SessionShare } from "@switchboard/client/web";
import { errorText, projectApi } from "../api";
import { Modal, Spinner } from "../ui";

const accessLabels: Record<number, string> = {
  [ShareAccess.READ]: "Can read",
  [ShareAccess.WRITE]: "Can read and answer",
};

export function ShareDialog({ sessionId, onClose }: { sessionId: string; onClose: () => void }) {
  const [shares, setShares] = useState<SessionShare[] | null>(null);
  const [email, setEmail] = useState("");
  const [access, setAccess] = useState(ShareAccess.READ);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const load = async () => {
    try {
      setShares((await projectApi.listSessionShares({ sessionId })).shares);
    } catch (e) {
      setError(errorText(e));
      setShares([]);
    }
  };
  useEffect(() => void load(), [sessionId]);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError("");
    try {
      await fn();
      await load();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Share this session" onClose={onClose}>
      <p class="muted small">With someone outside this project who has a Switchboard account. They find it under “Shared with me”.</p>
      <form
        class="modal-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await act(() => projectApi.shareSession({ sessionId, email: email.trim(), access }))) setEmail("");
        }}
      >
        <label>
          Email
          <input type="email" name="share-email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Access
          <select aria-label="Access" value={String(access)} onChange={(e) => setAccess(Number(e.currentTarget.value) as ShareAccess)}>
            <option value={String(ShareAccess.READ)}>{accessLabels[ShareAccess.READ]}</option>
            <option value={String(ShareAccess.WRITE)}>{accessLabels[ShareAccess.WRITE]}</option>
          </select>
        </label>
        <button class="btn btn-primary" type="submit" disabled={busy || !email.trim()}>
          Share
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {shares === null ? (
        <Spinner />
      ) : shares.length === 0 ? (
        <p class="muted small">Not shared with anyone.</p>
      ) : (
        <ul class="share-list" data-testid="share-list">
          {shares.map((s) => (
            <li key={s.userId} class="share-row" data-testid="share-row">
              <div class="member-main">
                <div class="member-name">{s.email}</div>
                <span class="muted small">{accessLabels[s.access] ?? "?"}</span>
              </div>
              <button class="btn btn-danger-outline" disabled={busy} onClick={() => act(() => projectApi.revokeSessionShare({ sessionId, userId: s.userId }))}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="modal-actions">
        <button class="btn btn-ghost" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
