// Browser entry point: gRPC-Web over fetch.
import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { AuthService } from "./gen/switchboard/v1/auth_service_pb.js";
import { DashboardService } from "./gen/switchboard/v1/dashboard_service_pb.js";
import { ProjectService } from "./gen/switchboard/v1/project_service_pb.js";
import { AuthManager, bearerAuth, type AuthManagerOptions, type TokenSource } from "./auth.js";
import type { DashboardClient, ProjectClient } from "./dashboard.js";

export * from "./index.js";
export { cookieSession, signInProviders } from "./session.js";
export type { BrowserSession, SessionReply, SignInProvider } from "./session.js";

/** A gRPC-Web transport (binary) to `baseUrl`, optionally sending a bearer token. */
export function createWebTransport(baseUrl: string, token?: TokenSource, interceptors: Interceptor[] = []): Transport {
  return createGrpcWebTransport({
    baseUrl,
    useBinaryFormat: true,
    interceptors: token ? [bearerAuth(token), ...interceptors] : interceptors,
  });
}

export interface Dashboard {
  auth: AuthManager;
  dashboard: DashboardClient;
  projects: ProjectClient;
  transport: Transport;
}

/**
 * Everything a dashboard needs: an AuthManager (login, silent refresh) and DashboardService and
 * ProjectService clients that send its current access token. `baseUrl` is the server's origin
 * (window.location.origin when the server serves the app).
 */
export function createDashboard(baseUrl: string, opts: AuthManagerOptions = {}): Dashboard {
  const auth = new AuthManager(createClient(AuthService, createWebTransport(baseUrl)), opts);
  const transport = createWebTransport(baseUrl, () => auth.accessToken());
  return { auth, dashboard: createClient(DashboardService, transport), projects: createClient(ProjectService, transport), transport };
}
