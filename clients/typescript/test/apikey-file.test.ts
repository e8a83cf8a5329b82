// The API key from a file ($SWITCHBOARD_API_KEY_FILE, as a Kubernetes launch mounts it), against
// the live server started by scripts/with-server.sh: the same rules as the Rust agent client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Code,
  ConnectError,
  ENV_API_KEY,
  ENV_API_KEY_FILE,
  SessionStatus,
  apiKeyFromEnv,
  startSession,
} from "../src/node.js";

const url = process.env.SWITCHBOARD_URL ?? "";
const realKey = process.env[ENV_API_KEY] ?? "";
const skip = url && realKey ? false : "needs scripts/with-server.sh";
const noRetry = { attempts: 1 };

/** Runs `fn` with only `$SWITCHBOARD_API_KEY_FILE` set, naming a fresh file holding `content`. */
async function withKeyFile(content: string, fn: (path: string) => Promise<void>): Promise<void> {
  const path = join(mkdtempSync(join(tmpdir(), "sb-key-")), "api-key");
  writeFileSync(path, content, { mode: 0o600 });
  delete process.env[ENV_API_KEY];
  process.env[ENV_API_KEY_FILE] = path;
  try {
    await fn(path);
  } finally {
    process.env[ENV_API_KEY] = realKey;
    delete process.env[ENV_API_KEY_FILE];
  }
}

test("an agent connects with the key file", { skip }, async () => {
  await withKeyFile(`${realKey}\n`, async () => {
    const agent = await startSession(url, undefined, { agentName: "ts-key-file", name: "key from a file", retry: noRetry });
    assert.equal(agent.session.status, SessionStatus.ACTIVE);
    await agent.step("connected with the mounted credential");
    assert.equal((await agent.end("done")).status, SessionStatus.COMPLETED);
  });
});

test("the key file is what authenticates", { skip }, async () => {
  await withKeyFile("sb_live_not-a-key\n", async () => {
    await assert.rejects(
      startSession(url, undefined, { agentName: "ts-key-file", retry: noRetry }),
      (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated,
    );
  });
});

test("the key variable wins over the file", { skip }, async () => {
  await withKeyFile("sb_live_not-a-key\n", async () => {
    process.env[ENV_API_KEY] = realKey;
    const agent = await startSession(url, undefined, { agentName: "ts-key-file", retry: noRetry });
    await agent.end("done");
    // A blank variable counts as unset.
    process.env[ENV_API_KEY] = "  ";
    assert.equal(apiKeyFromEnv(), "sb_live_not-a-key");
  });
});

test("an unusable key file is named", { skip }, async () => {
  await withKeyFile(" \n", async (path) => {
    assert.throws(apiKeyFromEnv, { message: `${ENV_API_KEY_FILE}=${JSON.stringify(path)} cannot be used: it is empty` });
    const missing = join(path, "..", "missing");
    process.env[ENV_API_KEY_FILE] = missing;
    assert.throws(apiKeyFromEnv, (e: Error) => e.message.startsWith(`${ENV_API_KEY_FILE}=${JSON.stringify(missing)} cannot be used: `));
    delete process.env[ENV_API_KEY_FILE];
    assert.throws(apiKeyFromEnv, /SWITCHBOARD_API_KEY is not set/);
  });
});
