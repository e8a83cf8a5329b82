import { useEffect, useState } from "preact/hooks";
import { auth } from "./api";
import { inbox, resetInbox } from "./inbox";
import { navigate, usePath } from "./router";
import { useStore } from "./store";
import { Link } from "./ui";
import { Login } from "./pages/Login";
import { Home } from "./pages/Home";
import { SessionPage } from "./pages/Session";
import { Keys } from "./pages/Keys";
import { Members } from "./pages/Members";
import { Audit } from "./pages/Audit";
import { NewSession } from "./pages/NewSession";
import { Runners } from "./pages/Runners";
import { Notifications } from "./pages/Notifications";
import { ProjectBar } from "./pages/ProjectBar";
import { InviteAccept, MyInvitations } from "./pages/Invitations";
import { projects, resetProjects } from "./projects";
import { canEdit, isAdmin } from "./roles";
import { captureInviteToken, pendingInviteToken } from "./invite-link";
import { Spinner } from "./ui";

// An invite link opened in a fresh tab: keep its token through sign-in.
captureInviteToken();

/** Whether this load is the end of an OIDC sign-in (the marker is taken off the address). */
function oidcLanding(): boolean {
  const u = new URL(window.location.href);
  if (u.searchParams.get("signin") !== "oidc") return false;
  u.searchParams.delete("signin");
  history.replaceState(history.state, "", u.pathname + u.search + u.hash);
  return true;
}

function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(auth.signedIn);
  useEffect(() => {
    const off = auth.onChange((v) => {
      if (!v) {
        resetInbox();
        resetProjects();
      }
      setSignedIn(v);
    });
    setSignedIn(auth.signedIn); // a change may have happened before this subscription
    return off;
  }, []);
  return signedIn;
}

function Title() {
  const box = useStore(inbox())!;
  const n = box.waitingTotal;
  useEffect(() => {
    document.title = n > 0 ? `(${n}) Switchboard` : "Switchboard";
  }, [n]);
  return null;
}

export function App() {
  const signedIn = useSignedIn();
  // Signed in by the server: an OIDC sign-in comes back to /?signin=oidc with only the
  // session cookie, which gives this page its tokens.
  const [resuming, setResuming] = useState(!auth.signedIn && oidcLanding());
  useEffect(() => {
    if (resuming) void auth.resume().finally(() => setResuming(false));
  }, []);
  const path = usePath();
  const [invite, setInvite] = useState(pendingInviteToken());
  useEffect(() => {
    // An invite link pasted into a tab that is already open.
    const h = () => captureInviteToken() && setInvite(pendingInviteToken());
    window.addEventListener("hashchange", h);
    return () => window.removeEventListener("hashchange", h);
  }, []);
  if (!signedIn && resuming) return <Spinner />;
  if (!signedIn) {
    document.title = "Sign in · Switchboard";
    return <Login />;
  }
  return <SignedIn path={path} invite={invite} clearInvite={() => setInvite(null)} />;
}

function SignedIn({ path, invite, clearInvite }: { path: string; invite: string | null; clearInvite: () => void }) {
  // Everything below is scoped to the chosen project: wait for the list of projects first.
  const p = useStore(projects())!;
  let page;
  const m = /^\/sessions\/([^/]+)\/?$/.exec(path);
  if (!p.loaded) page = <Spinner label="Loading projects…" />;
  else if (invite) page = <InviteAccept token={invite} onDone={clearInvite} />;
  else if (m) page = <SessionPage key={m[1]} id={decodeURIComponent(m[1])} />;
  else if (path === "/keys") page = <Keys />;
  else if (path === "/members") page = <Members />;
  else if (path === "/audit") page = <Audit />;
  else if (path === "/new") page = <NewSession />;
  else if (path === "/runners") page = <Runners />;
  else if (path === "/notifications") page = <Notifications />;
  else page = <Home />;
  return (
    <>
      {p.loaded && <Title />}
      <header class="topbar">
        <nav class="topbar-inner" aria-label="Main">
          <Link href="/" class="brand">
            <img src="/favicon.svg" alt="" width={26} height={26} />
            <span>Switchboard</span>
          </Link>
          <div class="nav-links">
            <Link href="/" class={path === "/" ? "nav active" : "nav"}>
              Sessions
            </Link>
            {canEdit(p.role) && (
              <Link href="/new" class={path === "/new" ? "nav active" : "nav"} data-testid="nav-new">
                New session
              </Link>
            )}
            <Link href="/runners" class={path === "/runners" ? "nav active" : "nav"}>
              Runners
            </Link>
            <Link href="/notifications" class={path === "/notifications" ? "nav nav-notify active" : "nav nav-notify"} aria-label="Notifications">
              <svg class="nav-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
              </svg>
              <span class="nav-text">Notifications</span>
            </Link>
            {isAdmin(p.role) && (
              <Link href="/keys" class={path === "/keys" ? "nav active" : "nav"}>
                API keys
              </Link>
            )}
            <button
              class="nav nav-btn"
              title={auth.user?.email}
              onClick={async () => {
                await auth.logout();
                navigate("/", true);
              }}
            >
              Sign out
            </button>
          </div>
        </nav>
      </header>
      {p.loaded && <ProjectBar path={path} />}
      {p.loaded && !invite && <MyInvitations />}
      {page}
    </>
  );
}
