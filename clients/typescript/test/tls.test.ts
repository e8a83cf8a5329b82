// https:// end to end against the second server of `scripts/with-server.sh --tls`, which serves
// TLS only with a certificate from a CA made for the run: trusted when told to, refused otherwise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectError, ENV_CA_FILE, createNodeDashboard, startSession } from "../src/node.js";

const tlsUrl = process.env.SWITCHBOARD_TLS_URL ?? "";
const skip = tlsUrl ? false : "needs scripts/with-server.sh --tls";
const apiKey = process.env.SWITCHBOARD_TLS_API_KEY ?? "";
const ca = process.env.SWITCHBOARD_TLS_CA_FILE ?? "";
const noRetry = { attempts: 1 };

test("an agent (gRPC) and a person (gRPC-Web) work over https with the run's CA", { skip }, async () => {
  const agent = await startSession(tlsUrl, apiKey, { agentName: "ts-tls", name: "over tls", retry: noRetry }, { caFile: ca });
  await agent.step("encrypted step");
  await agent.end("done");
  const { auth, dashboard } = createNodeDashboard(tlsUrl, { tls: { caFile: ca } });
  await auth.login(process.env.SWITCHBOARD_EMAIL!, process.env.SWITCHBOARD_PASSWORD!);
  const listed = await dashboard.listMessages({ sessionId: agent.id });
  const steps = listed.messages.flatMap((m) => (m.body.case === "step" ? [m.body.value.text] : []));
  assert.deepEqual(steps, ["encrypted step"]);
});

test("the CA file can come from the environment", { skip }, async () => {
  process.env[ENV_CA_FILE] = ca;
  try {
    const agent = await startSession(tlsUrl, apiKey, { agentName: "ts-tls", retry: noRetry });
    await agent.end("done");
  } finally {
    delete process.env[ENV_CA_FILE];
  }
});

for (const [name, caFile] of [
  ["a wrong CA", process.env.SWITCHBOARD_TLS_WRONG_CA ?? ""],
  ["the system's roots", undefined],
] as const) {
  test(`a server certificate not signed by ${name} is refused`, { skip }, async () => {
    await assert.rejects(
      startSession(tlsUrl, apiKey, { agentName: "ts-tls", retry: noRetry }, { caFile }),
      // connect-node reports a failed verification as INTERNAL with Node's reason (not retried:
      // retrying cannot make the certificate trusted).
      (e: unknown) => /verify|certificate/.test(ConnectError.from(e).rawMessage),
    );
  });
}

test("an unreadable or non-PEM CA file is a clear error", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-ca-"));
  const notPem = join(dir, "not.pem");
  writeFileSync(notPem, "hello");
  await assert.rejects(startSession(tlsUrl, apiKey, { agentName: "ts-tls" }, { caFile: join(dir, "missing.pem") }), /cannot read the CA file/);
  await assert.rejects(startSession(tlsUrl, apiKey, { agentName: "ts-tls" }, { caFile: notPem }), /holds no PEM certificate/);
});
