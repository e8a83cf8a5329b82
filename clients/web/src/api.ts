// The one connection to the server: gRPC-Web to the page's own origin.
import {
  Code,
  ConnectError,
  NotificationService,
  createClient,
  cookieSession,
  createDashboard,
  LaunchService,
  sharedRefreshStorage,
  webLocks,
  type ConnectError as CE,
} from "@switchboard/client/web";

const origin = typeof window !== "undefined" ? window.location.origin : "http://localhost";

const authKey = "switchboard.auth";

// The refresh token in an HttpOnly cookie the server sets and rotates (no script, this one
// included, can read it); the user in localStorage, shared by this origin's tabs; each tab's
// access token in its memory only. Tabs refresh one at a time (Web Locks), so the rotating
// cookie is never presented twice.
export const {
  auth,
  dashboard: api,
  projects: projectApi,
  transport,
} = createDashboard(origin, {
  storage: typeof localStorage !== "undefined" ? sharedRefreshStorage(localStorage, authKey) : undefined,
  lock: webLocks(),
  session: cookieSession(origin),
});

/** LaunchService on the same connection: new sessions, Continue, runners. */
export const launchApi = createClient(LaunchService, transport);
/** The caller's notification channels (webhooks, this device's web push) and deliveries. */
export const notifyApi = createClient(NotificationService, transport);

// Signing out in one tab signs out the others.
if (typeof window !== "undefined") {
  window.addEventListener("storage", (e) => {
    if (e.key === authKey && e.newValue === null && auth.signedIn) auth.forget();
  });
}

/** Reconnect rule for live streams: an UNAUTHENTICATED stream refreshes the token and retries. */
export function streamRetry(err: CE): boolean {
  if (err.code === Code.Unauthenticated) {
    if (!auth.signedIn) return false;
    auth.refresh().catch(() => {});
    return true;
  }
  return ![Code.PermissionDenied, Code.NotFound, Code.InvalidArgument, Code.FailedPrecondition, Code.Unimplemented].includes(err.code);
}

/** A person-readable error message. */
export function errorText(e: unknown): string {
  const ce = ConnectError.from(e);
  switch (ce.code) {
    case Code.Unavailable:
      return "The server can't be reached. Check your connection and try again.";
    case Code.Unauthenticated:
      return ce.rawMessage ? ce.rawMessage.charAt(0).toUpperCase() + ce.rawMessage.slice(1) : "Please sign in again.";
    default: {
      const msg = ce.rawMessage || String(e);
      return msg.charAt(0).toUpperCase() + msg.slice(1);
    }
  }
}
