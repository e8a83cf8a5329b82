// Node entry point: gRPC over HTTP/2 for agents, gRPC-Web over HTTP/1.1 when needed.
import { readFileSync } from "node:fs";
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

/** The environment variable naming a PEM file of CA certificates for https:// URLs. */
export const ENV_CA_FILE = "SWITCHBOARD_CA_FILE";

/** The environment variable holding an API key (`sb_live_...`). */
export const ENV_API_KEY = "SWITCHBOARD_API_KEY";
/**
 * The environment variable naming a file that holds the API key, read when `SWITCHBOARD_API_KEY`
 * is unset (a Kubernetes launch mounts the session's credential as a file, never a variable).
 */
export const ENV_API_KEY_FILE = "SWITCHBOARD_API_KEY_FILE";

/**
 * The API key: `$SWITCHBOARD_API_KEY` when set and not blank, else the contents of the file
 * `$SWITCHBOARD_API_KEY_FILE` names, surrounding whitespace (the file's trailing newline) trimmed.
 * The same rules as every other Switchboard client; throws an error naming the file when it
 * cannot be read or is empty.
 */
export function apiKeyFromEnv(): string {
  const key = (process.env[ENV_API_KEY] ?? "").trim();
  if (key) return key;
  const path = process.env[ENV_API_KEY_FILE];
  if (!path) throw new Error(`${ENV_API_KEY} is not set (nor ${ENV_API_KEY_FILE})`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${ENV_API_KEY_FILE}=${JSON.stringify(path)} cannot be used: ${(e as Error).message}`);
  }
  const fromFile = text.trim();
  if (!fromFile) throw new Error(`${ENV_API_KEY_FILE}=${JSON.stringify(path)} cannot be used: it is empty`);
  return fromFile;
}

/**
 * How https:// connections verify the server: the system's roots, or the CA certificates in the
 * PEM file `caFile` (default `$SWITCHBOARD_CA_FILE`) for a private CA. The name is always checked.
 */
export interface TlsOptions {
  caFile?: string;
}

/** The Node TLS options for `baseUrl` (none for http://, or when the system's roots apply). */
export function tlsNodeOptions(baseUrl: string, tls: TlsOptions = {}): { ca: Buffer } | undefined {
  if (!baseUrl.startsWith("https://")) return undefined;
  const caFile = tls.caFile ?? process.env[ENV_CA_FILE];
  if (!caFile) return undefined;
  let pem: Buffer;
  try {
    pem = readFileSync(caFile);
  } catch (e) {
    throw new Error(`cannot read the CA file ${caFile} (${ENV_CA_FILE}): ${(e as Error).message}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new Error(`the CA file ${caFile} (${ENV_CA_FILE}) holds no PEM certificate`);
  }
  return { ca: pem };
}

/** gRPC over HTTP/2 (h2c for http:// URLs, TLS for https://) to `baseUrl`, optionally with a bearer token. */
export function createNodeGrpcTransport(
  baseUrl: string,
  token?: TokenSource,
  interceptors: Interceptor[] = [],
  tls: TlsOptions = {},
): Transport {
  return createGrpcTransport({
    baseUrl,
    nodeOptions: tlsNodeOptions(baseUrl, tls),
    interceptors: token ? [bearerAuth(token), ...interceptors] : interceptors,
    // Keep long-lived streams healthy through idle periods.
    pingIntervalMs: 30_000,
  });
}

/** gRPC-Web over HTTP/1.1 (what a browser speaks), from Node. */
export function createNodeGrpcWebTransport(
  baseUrl: string,
  token?: TokenSource,
  interceptors: Interceptor[] = [],
  tls: TlsOptions = {},
): Transport {
  return createGrpcWebTransport({
    baseUrl,
    httpVersion: "1.1",
    nodeOptions: tlsNodeOptions(baseUrl, tls),
    useBinaryFormat: true,
    interceptors: token ? [bearerAuth(token), ...interceptors] : interceptors,
  });
}

/**
 * An AgentService client authenticated with an API key (`sb_live_...`); `undefined` takes the
 * key from the environment ({@link apiKeyFromEnv}).
 */
export function createAgentClient(baseUrl: string, apiKey: string | undefined, tls: TlsOptions = {}): AgentClient {
  return createClient(AgentService, createNodeGrpcTransport(baseUrl, apiKey ?? apiKeyFromEnv(), [], tls));
}

/**
 * Starts a new agent session (`await startSession(url, key, { agentName: "bot" })`), or resumes
 * the existing one `opts.sessionId` names (Code.NotFound when there is none). An `undefined` key
 * is taken from the environment ({@link apiKeyFromEnv}).
 */
export async function startSession(
  baseUrl: string,
  apiKey: string | undefined,
  opts: StartOptions,
  tls: TlsOptions = {},
): Promise<AgentSession> {
  return await AgentSession.start(createAgentClient(baseUrl, apiKey, tls), opts);
}

/** A dashboard from Node (scripts, tests): login + DashboardService over the chosen protocol. */
export function createNodeDashboard(
  baseUrl: string,
  opts: AuthManagerOptions & { protocol?: "grpc" | "grpc-web"; tls?: TlsOptions } = {},
): { auth: AuthManager; dashboard: DashboardClient; projects: ProjectClient; transport: Transport } {
  const make = opts.protocol === "grpc" ? createNodeGrpcTransport : createNodeGrpcWebTransport;
  const auth = new AuthManager(createClient(AuthService, make(baseUrl, undefined, [], opts.tls)), opts);
  const transport = make(baseUrl, () => auth.accessToken(), [], opts.tls);
  return { auth, dashboard: createClient(DashboardService, transport), projects: createClient(ProjectService, transport), transport };
}
