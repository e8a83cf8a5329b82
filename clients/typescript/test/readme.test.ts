// Runs the README's Node agent example as a real process and answers its question as a person.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InboxEventKind, createNodeDashboard, watchInbox } from "../src/node.js";

const here = dirname(fileURLToPath(import.meta.url)); // build-test/test
const pkg = join(here, "../..");

test("the README's Node agent example runs against the server", async () => {
  const readme = readFileSync(join(pkg, "README.md"), "utf8");
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(code, "README has a js example");
  assert.ok(code.split("\n").length <= 20, "the example stays short");
  // Inside the package folder, so "@switchboard/client/node" resolves to this package's dist/.
  const file = join(pkg, "build-test/readme-example.mjs");
  writeFileSync(file, code);

  const { auth, dashboard } = createNodeDashboard(process.env.SWITCHBOARD_URL!, { protocol: "grpc-web" });
  await auth.login(process.env.SWITCHBOARD_EMAIL!, process.env.SWITCHBOARD_PASSWORD!);
  const ctl = new AbortController();
  const child = spawn(process.execPath, [file], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", r));
  const kill = setTimeout(() => child.kill(), 30_000);
  try {
    for await (const ev of watchInbox(dashboard, 0n, { signal: ctl.signal })) {
      if (ev.kind === InboxEventKind.QUESTION_ASKED && ev.agentName === "my-agent") {
        await dashboard.sendMessage({ sessionId: ev.sessionId, text: "thanks!" });
        await dashboard.answerQuestion({ sessionId: ev.sessionId, questionId: ev.questionId, optionIds: ["mock"] });
        break;
      }
    }
    assert.equal(await exited, 0, out);
    assert.match(out, /person chose \[ 'mock' \]/);
    assert.match(out, /person says: thanks!/);
  } finally {
    clearTimeout(kill);
    ctl.abort();
    child.kill();
  }
});
