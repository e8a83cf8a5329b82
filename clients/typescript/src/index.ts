// Switchboard client: generated messages and services (protobuf-es v2) plus small helpers.
// Transports live in "@switchboard/client/web" (gRPC-Web, browsers) and
// "@switchboard/client/node" (gRPC over HTTP/2 for agents, gRPC-Web over HTTP/1.1).
export * from "./gen/switchboard/v1/model_pb.js";
export * from "./gen/switchboard/v1/auth_service_pb.js";
export * from "./gen/switchboard/v1/agent_service_pb.js";
export * from "./gen/switchboard/v1/dashboard_service_pb.js";
export * from "./gen/switchboard/v1/project_service_pb.js";
export * from "./gen/switchboard/v1/launch_service_pb.js";
export * from "./gen/switchboard/v1/notification_service_pb.js";
export { Code, ConnectError, createClient } from "@connectrpc/connect";
export type { Client, Interceptor, Transport, CallOptions } from "@connectrpc/connect";
export * from "./retry.js";
export * from "./stream.js";
export * from "./auth.js";
export * from "./agent.js";
export * from "./dashboard.js";
// Re-exported so that apps use the same protobuf runtime as the generated code.
export { create, clone, toJson, fromJson } from "@bufbuild/protobuf";
export { timestampDate, timestampMs, timestampFromDate, timestampFromMs, durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
export type { Timestamp, Duration } from "@bufbuild/protobuf/wkt";
