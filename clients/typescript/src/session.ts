import { Code, ConnectError } from "@connectrpc/connect";

/** What a browser session call answers: the access token (the refresh token stays in a cookie). */
export interface SessionReply {
  accessToken: string;
  accessExpireMs: number;
  refreshExpireMs: number;
  user: { id: string; email: string; displayName: string };
}

/**
 * Sign-in for a page served by the Switchboard server: the refresh token lives in an HttpOnly
 * cookie that scripts cannot read (so an injected script cannot steal it), set and rotated by
 * the server's `/auth/session/*` endpoints. Non-browser clients use AuthService instead.
 */
export interface BrowserSession {
  login(email: string, password: string): Promise<SessionReply>;
  /** A new access token from the cookie (which rotates). */
  refresh(): Promise<SessionReply>;
  /** Revokes the cookie's sign-in and clears the cookie. */
  logout(): Promise<void>;
}

/** An issuer the login page offers (`GET /auth/oidc`). */
export interface SignInProvider {
  id: string;
  displayName: string;
  /** Navigate the page here to sign in through the provider. */
  startUrl: string;
}

const codes: Record<number, Code> = {
  400: Code.InvalidArgument,
  401: Code.Unauthenticated,
  403: Code.PermissionDenied,
  429: Code.ResourceExhausted,
  503: Code.Unavailable,
};

/** The server's `/auth/session/*` endpoints at `baseUrl` (the page's origin). */
export function cookieSession(baseUrl: string): BrowserSession {
  const base = baseUrl.replace(/\/+$/, "");
  async function call(what: string, body?: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(`${base}/auth/session/${what}`, {
        method: "POST",
        credentials: "same-origin",
        // The header is the CSRF check: another origin cannot send it without a preflight.
        headers: { "x-switchboard-csrf": "1", ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      throw new ConnectError(`the server can't be reached: ${String(e)}`, Code.Unavailable);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      throw new ConnectError(String(json.message ?? `HTTP ${res.status}`), codes[res.status] ?? Code.Internal);
    }
    return json;
  }
  const reply = (j: Record<string, unknown>): SessionReply => {
    const u = (j.user ?? {}) as Record<string, string>;
    return {
      accessToken: String(j.access_token),
      accessExpireMs: Date.parse(String(j.access_token_expire_time)),
      refreshExpireMs: Date.parse(String(j.refresh_token_expire_time)),
      user: { id: u.id ?? "", email: u.email ?? "", displayName: u.display_name ?? "" },
    };
  };
  return {
    login: async (email, password) => reply(await call("login", { email, password })),
    refresh: async () => reply(await call("refresh")),
    logout: async () => void (await call("logout")),
  };
}

/** The sign-in providers (OIDC issuers) the server at `baseUrl` offers; none on failure. */
export async function signInProviders(baseUrl: string): Promise<SignInProvider[]> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/+$/, "")}/auth/oidc`);
    if (!res.ok) return [];
    const j = (await res.json()) as { issuers?: { id: string; display_name: string; start_url: string }[] };
    return (j.issuers ?? []).map((i) => ({ id: i.id, displayName: i.display_name, startUrl: i.start_url }));
  } catch {
    return [];
  }
}
