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

function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(auth.signedIn);
  useEffect(() => {
    const off = auth.onChange((v) => {
      if (!v) resetInbox();
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
  const path = usePath();
  if (!signedIn) {
    document.title = "Sign in · Switchboard";
    return <Login />;
  }
  let page;
  const m = /^\/sessions\/([^/]+)\/?$/.exec(path);
  if (m) page = <SessionPage key={m[1]} id={decodeURIComponent(m[1])} />;
  else if (path === "/keys") page = <Keys />;
  else page = <Home />;
  return (
    <>
      <Title />
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
            <Link href="/keys" class={path === "/keys" ? "nav active" : "nav"}>
              API keys
            </Link>
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
      {page}
    </>
  );
}
