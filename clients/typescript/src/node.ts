// Node entry point: gRPC over HTTP/2 for agents, gRPC-Web over HTTP/1.1 when needed.
import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { AgentService } from "./gen/switchboard/v1/agent_service_pb.js";
import { AuthService } from "./gen/switchboard/v1/auth_service_pb.js";
import { DashboardService } from "./gen/switchboard/v1/dashboard_service_pb.js";
import { ProjectService } from "./gen/switchboard/v1/project_service_pb.js";
import { AgentSession, type AgentClient, type StartOptions } from "./agent.js";
import { AuthManager, bearerAuth, type AuthManagerOptions, type TokenSource } from "./auth.js";
import type { DashboardClient, ProjectClient } from "./dashboard.js";

export * from "./index.js";

/** gRPC over HTTP/2 (h2c for http:// URLs) to `baseUrl`, optionally with a bearer token. */
export function createNodeGrpcTransport(baseUrl: string, token?: TokenSource, interceptors: Interceptor[] = []): Transport {
  return createGrpcTransport({
    baseUrl,
    interceptors: token ? [bearerAuth(token), ...interceptors] : interceptors,
    // Keep long-lived streams healthy through idle periods.
    pingIntervalMs: 30_000,
  });
}

/** gRPC-Web over HTTP/1.1 (what a browser speaks), from Node. */
export function createNodeGrpcWebTransport(baseUrl: string, token?: TokenSource, interceptors: Interceptor[] = []): Transport {
  return createGrpcWebTransport({
    baseUrl,
    httpVersion: "1.1",
    useBinaryFormat: true,
    interceptors: token ? [bearerAuth(token), ...interceptors] : interceptors,
  });
}

/** An AgentService client authenticated with an API key (`sb_live_...`). */
export function createAgentClient(baseUrl: string, apiKey: string): AgentClient {
  return createClient(AgentService, createNodeGrpcTransport(baseUrl, apiKey));
}

/**
 * Starts a new agent session (`await startSession(url, key, { agentName: "bot" })`), or resumes
 * the existing one `opts.sessionId` names (Code.NotFound when there is none).
 */
export async function startSession(baseUrl: string, apiKey: string, opts: StartOptions): Promise<AgentSession> {
  return await AgentSession.start(createAgentClient(baseUrl, apiKey), opts);
}

/** A dashboard from Node (scripts, tests): login + DashboardService over the chosen protocol. */
export function createNodeDashboard(
  baseUrl: string,
  opts: AuthManagerOptions & { protocol?: "grpc" | "grpc-web" } = {},
): { auth: AuthManager; dashboard: DashboardClient; projects: ProjectClient; transport: Transport } {
  const make = opts.protocol === "grpc" ? createNodeGrpcTransport : createNodeGrpcWebTransport;
  const auth = new AuthManager(createClient(AuthService, make(baseUrl)), opts);
  const transport = make(baseUrl, () => auth.accessToken());
  return { auth, dashboard: createClient(DashboardService, transport), projects: createClient(ProjectService, transport), transport };
}
