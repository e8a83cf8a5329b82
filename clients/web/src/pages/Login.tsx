import { useEffect, useState } from "preact/hooks";
import { signInProviders, type SignInProvider } from "@switchboard/client/web";
import { auth, errorText } from "../api";

export function Login() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [providers, setProviders] = useState<SignInProvider[]>([]);
  useEffect(() => {
    void signInProviders(window.location.origin).then(setProviders);
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await auth.login(email.trim(), password);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="card login-card" onSubmit={submit}>
        <div class="brand brand-lg">
          <img src="/favicon.svg" alt="" width={36} height={36} />
          <span>Switchboard</span>
        </div>
        <p class="muted">Sign in to see what your agents are doing and answer their questions.</p>
        <label>
          Email
          <input type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {providers.length > 0 && <p class="muted login-or">or</p>}
        {providers.map((p) => (
          <a key={p.id} class="btn btn-block" href={p.startUrl} data-testid={`sign-in-${p.id}`}>
            Sign in with {p.displayName}
          </a>
        ))}
      </form>
    </main>
  );
}
