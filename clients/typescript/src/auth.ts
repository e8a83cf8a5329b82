import type { Client, Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { AuthService, TokenPair } from "./gen/switchboard/v1/auth_service_pb.js";
import type { User } from "./gen/switchboard/v1/model_pb.js";
import type { BrowserSession, SessionReply } from "./session.js";

/** A token, or a function returning one (called on every request). */
export type TokenSource = string | (() => string | Promise<string>);

/**
 * An interceptor adding `authorization: Bearer <token>` to every call: an API key
 * (`sb_live_...`) for AgentService, an access token for DashboardService.
 */
export function bearerAuth(token: TokenSource): Interceptor {
  return (next) => async (req) => {
    const t = typeof token === "string" ? token : await token();
    if (t) req.header.set("authorization", `Bearer ${t}`);
    return await next(req);
  };
}

/** What an AuthManager keeps between page loads. */
export interface StoredAuth {
  accessToken: string;
  accessExpireMs: number;
  /** Empty with a BrowserSession: the refresh token is then in an HttpOnly cookie. */
  refreshToken: string;
  refreshExpireMs: number;
  /** When the pair was received (to size the refresh margin for short-lived tokens). */
  issuedMs?: number;
  user: { id: string; email: string; displayName: string };
}

/** Where an AuthManager keeps its tokens (memory by default; sessionStorage in the web app). */
export interface AuthStorage {
  load(): StoredAuth | null;
  save(value: StoredAuth | null): void;
}

export function memoryAuthStorage(): AuthStorage {
  let v: StoredAuth | null = null;
  return { load: () => v, save: (x) => void (v = x) };
}

/** Keeps tokens in a Web Storage area (sessionStorage: per tab, survives reloads). */
export function webAuthStorage(area: Storage, key = "switchboard.auth"): AuthStorage {
  return {
    load() {
      try {
        const raw = area.getItem(key);
        return raw ? (JSON.parse(raw) as StoredAuth) : null;
      } catch {
        return null;
      }
    },
    save(v) {
      if (v) area.setItem(key, JSON.stringify(v));
      else area.removeItem(key);
    },
  };
}

/**
 * The refresh token (and user) in a Storage area shared by the origin's tabs (localStorage), the
 * access token in this tab's memory only. Use with `lock: webLocks()` so that tabs rotate the
 * shared refresh token one at a time, each with the latest one.
 */
export function sharedRefreshStorage(area: Storage, key = "switchboard.auth"): AuthStorage {
  let access: { token: string; exp: number; rt: string } | null = null;
  return {
    load() {
      try {
        const raw = area.getItem(key);
        if (!raw) return null;
        const p = JSON.parse(raw) as Omit<StoredAuth, "accessToken" | "accessExpireMs">;
        const refreshToken = p.refreshToken ?? "";
        const mine = access !== null && access.rt === sharedKey(refreshToken, p.user);
        return { ...p, refreshToken, accessToken: mine ? access!.token : "", accessExpireMs: mine ? access!.exp : 0 };
      } catch {
        return null;
      }
    },
    save(v) {
      if (!v) {
        access = null;
        area.removeItem(key);
        return;
      }
      access = { token: v.accessToken, exp: v.accessExpireMs, rt: sharedKey(v.refreshToken, v.user) };
      // With a BrowserSession there is no refresh token to share: it stays in its cookie.
      const { accessToken: _a, accessExpireMs: _e, refreshToken, ...shared } = v;
      area.setItem(key, JSON.stringify(refreshToken ? { ...shared, refreshToken } : shared));
    },
  };
}

/** Whose access token this tab holds: the sign-in's refresh token, or (cookie) its user. */
function sharedKey(refreshToken: string, user: StoredAuth["user"]): string {
  return refreshToken || `user:${user.id}`;
}

/** A cross-tab lock from the Web Locks API (runs `fn` directly where it is missing). */
export function webLocks(name = "switchboard.auth.refresh"): <T>(fn: () => Promise<T>) => Promise<T> {
  return <T>(fn: () => Promise<T>) => {
    const locks = (globalThis as { navigator?: { locks?: { request: (n: string, cb: () => Promise<T>) => Promise<T> } } }).navigator?.locks;
    return locks ? locks.request(name, fn) : fn();
  };
}

export interface AuthManagerOptions {
  storage?: AuthStorage;
  /** Refresh this long before the access token expires (default 60 s, at most half its life). */
  refreshSkewMs?: number;
  /** Refresh in the background before expiry (default true). */
  autoRefresh?: boolean;
  /**
   * Serialises refreshes with other holders of the same storage (browser tabs): inside it the
   * manager re-reads the storage and refreshes with the latest refresh token, so a token that
   * another tab already rotated is never presented again (that would revoke the sign-in).
   */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * Sign in, refresh and sign out through the server's cookie session (`cookieSession` in
   * "@switchboard/client/web") instead of AuthService: the refresh token never reaches script.
   */
  session?: BrowserSession;
}

/**
 * Signs a person in with AuthService and keeps a valid access token: refreshes it silently
 * before expiry (one refresh at a time, since refresh tokens rotate), and signs out when a
 * refresh is refused.
 */
export class AuthManager {
  private state: StoredAuth | null;
  private inflight: Promise<StoredAuth> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private listeners = new Set<(signedIn: boolean) => void>();
  private readonly storage: AuthStorage;
  private readonly skew: number;
  private readonly auto: boolean;
  private readonly lock: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly session: BrowserSession | undefined;

  constructor(
    private readonly client: Client<typeof AuthService>,
    opts: AuthManagerOptions = {},
  ) {
    this.storage = opts.storage ?? memoryAuthStorage();
    this.skew = opts.refreshSkewMs ?? 60_000;
    this.auto = opts.autoRefresh ?? true;
    this.lock = opts.lock ?? ((fn) => fn());
    this.session = opts.session;
    this.state = this.storage.load();
    if (this.state && this.state.refreshExpireMs <= Date.now()) this.clear();
    this.schedule();
  }

  get signedIn(): boolean {
    return this.state !== null;
  }

  get user(): StoredAuth["user"] | null {
    return this.state?.user ?? null;
  }

  /** Subscribes to sign-in / sign-out changes; returns the unsubscribe function. */
  onChange(fn: (signedIn: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async login(email: string, password: string): Promise<StoredAuth["user"]> {
    if (this.session) {
      this.apply(fromSession(await this.session.login(email, password)));
      return this.state!.user;
    }
    const res = await this.client.login({ email, password });
    this.set(res.tokens!, res.user);
    return this.state!.user;
  }

  /**
   * With a BrowserSession, when not signed in: picks up a sign-in the server made without this
   * page (an OIDC sign-in redirects back with only the cookie). Resolves whether it did.
   */
  async resume(): Promise<boolean> {
    if (!this.session || this.state) return this.state !== null;
    try {
      const reply = await this.lock(() => this.session!.refresh());
      if (!this.state) this.apply(fromSession(reply));
      return true;
    } catch {
      return false;
    }
  }

  /** Revokes the refresh token (best effort) and forgets everything. */
  async logout(): Promise<void> {
    const rt = this.state?.refreshToken;
    this.clear();
    if (this.session) {
      try {
        await this.session.logout();
      } catch {
        /* signed out locally anyway */
      }
      return;
    }
    if (rt) {
      try {
        await this.client.logout({ refreshToken: rt });
      } catch {
        /* signed out locally anyway */
      }
    }
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    const s = this.state;
    if (!s) throw new ConnectError("not signed in", Code.Unauthenticated);
    if (s.accessExpireMs - Date.now() > this.skewFor(s)) return s.accessToken;
    return (await this.refresh()).accessToken;
  }

  /** Exchanges the refresh token for a new pair now (single flight; serialised by `lock`). */
  refresh(): Promise<StoredAuth> {
    if (this.inflight) return this.inflight;
    const s = this.state;
    if (!s) return Promise.reject(new ConnectError("not signed in", Code.Unauthenticated));
    this.inflight = (async () => {
      try {
        return await this.lock(async () => {
          // Another holder of the storage may have rotated the token meanwhile, or signed out.
          const latest = this.storage.load();
          if (!latest) throw new ConnectError("signed out", Code.Unauthenticated);
          if (this.state !== s) throw new ConnectError("signed out", Code.Unauthenticated);
          if (this.session) {
            const reply = await this.session.refresh();
            if (this.state !== s) throw new ConnectError("signed out", Code.Unauthenticated);
            this.apply(fromSession(reply));
            return this.state!;
          }
          const res = await this.client.refresh({ refreshToken: latest.refreshToken });
          if (this.state !== s) throw new ConnectError("signed out", Code.Unauthenticated);
          this.set(res.tokens!, res.user);
          return this.state!;
        });
      } catch (e) {
        const ce = ConnectError.from(e);
        if (ce.code === Code.Unauthenticated || ce.code === Code.InvalidArgument) this.clear();
        throw ce;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /** Forgets the sign-in locally (another tab signed out); no server call. */
  forget(): void {
    this.clear();
  }

  /** Interceptor adding the current access token to every call. */
  interceptor(): Interceptor {
    return bearerAuth(() => this.accessToken());
  }

  private skewFor(s: StoredAuth): number {
    // Never more than a third of the token's life, so short-lived tokens still get used.
    if (!s.issuedMs) return this.skew;
    return Math.min(this.skew, Math.max(1000, (s.accessExpireMs - s.issuedMs) / 3));
  }

  private set(tokens: TokenPair, user: User | undefined): void {
    const now = Date.now();
    this.apply({
      accessToken: tokens.accessToken,
      accessExpireMs: tokens.accessTokenExpireTime ? timestampMs(tokens.accessTokenExpireTime) : now + 5 * 60_000,
      refreshToken: tokens.refreshToken,
      refreshExpireMs: tokens.refreshTokenExpireTime ? timestampMs(tokens.refreshTokenExpireTime) : now + 86_400_000,
      user: {
        id: user?.id ?? this.state?.user.id ?? "",
        email: user?.email ?? this.state?.user.email ?? "",
        displayName: user?.displayName ?? this.state?.user.displayName ?? "",
      },
      issuedMs: now,
    });
  }

  private apply(next: StoredAuth): void {
    const was = this.state !== null;
    this.state = next;
    this.storage.save(next);
    this.schedule();
    if (!was) this.emit(true);
  }

  private clear(): void {
    const was = this.state !== null;
    this.state = null;
    this.storage.save(null);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (was) this.emit(false);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.state;
    if (!s || !this.auto) return;
    const due = Math.max(0, s.accessExpireMs - Date.now() - this.skewFor(s));
    this.timer = setTimeout(() => {
      this.refresh().catch(() => {
        /* a refused refresh signs out (listeners are told); a network error retries on use */
      });
    }, Math.min(due, 2_147_000_000));
    (this.timer as { unref?: () => void }).unref?.();
  }

  private emit(signedIn: boolean): void {
    for (const fn of this.listeners) fn(signedIn);
  }
}

function fromSession(r: SessionReply): StoredAuth {
  return {
    accessToken: r.accessToken,
    accessExpireMs: r.accessExpireMs,
    refreshToken: "",
    refreshExpireMs: r.refreshExpireMs,
    user: r.user,
    issuedMs: Date.now(),
  };
}
