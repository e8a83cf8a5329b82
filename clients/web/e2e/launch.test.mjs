// Launching in Chromium, with real parts: the admin adds a runner on the Runners page, a real
// `switchboard-agent runner` process attaches with the credential shown once, the New session
// form (phone size) launches a command agent (clients/rust/examples/launch_test_agent) on it, the
// agent's question is answered in the page, and the session ends COMPLETED with its stop reason.
// Then Continue starts a linked run in the same workspace, stopped from the page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = process.env.SWITCHBOARD_ARTIFACTS ?? join(here, "../../../test-artifacts");
mkdirSync(artifacts, { recursive: true });

const url = must("SWITCHBOARD_URL");
const email = must("SWITCHBOARD_EMAIL");
const password = must("SWITCHBOARD_PASSWORD");
const bin = must("SWITCHBOARD_BIN");
function must(n) {
  if (!process.env[n]) throw new Error(`${n} is not set: run through scripts/with-server.sh`);
  return process.env[n];
}
// The agent-side binary and the test agent sit next to the server binary (one cargo target dir).
const targetDir = dirname(bin);
const runnerBin = join(targetDir, "switchboard-agent");
const testAgent = join(targetDir, "examples", "launch_test_agent");

const PHONE = { width: 390, height: 844 };
const work = mkdtempSync(join(tmpdir(), "sb-launch-e2e-"));
let browser;
let page;
let runner;
let runnerLog = "";

before(async () => {
  for (const f of [runnerBin, testAgent]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: build with cargo build --workspace --all-targets`);
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: url });
  context.setDefaultTimeout(20000);
  page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
});

after(async () => {
  runner?.kill("SIGTERM");
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

async function shot(name) {
  const v = page.viewportSize();
  await page.screenshot({ path: join(artifacts, `web-launch-${name}-${v.width}x${v.height}.png`) });
}

test("launch from the dashboard onto a real runner, answer, complete, continue, stop", async (t) => {
  try {
    await page.goto("/");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Project").waitFor();

    // An admin adds a runner; its credential is shown once, in a ready-to-run command.
    await page.getByRole("link", { name: "Runners" }).click();
    await page.getByLabel("New runner name").fill("e2e-box");
    await page.getByRole("button", { name: "Add runner" }).click();
    const command = await page.getByTestId("runner-command").textContent();
    const secret = /sb_runner_[A-Za-z0-9_-]+/.exec(command ?? "")?.[0];
    assert.ok(secret, `a runner secret in the command: ${command}`);
    assert.match(command, /switchboard-agent runner --url /);
    const credential = join(work, "runner-credential");
    writeFileSync(credential, secret, { mode: 0o600 });
    runner = spawn(runnerBin, ["runner", "--url", url, "--credential-file", credential, "--workdir-root", join(work, "ws"), "--name", "e2e-box", "--capacity", "2"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    runner.stdout.on("data", (d) => (runnerLog += d));
    runner.stderr.on("data", (d) => (runnerLog += d));
    await page.getByRole("button", { name: "Done" }).click();
    const row = page.locator('[data-testid="runner-row"][data-runner-name="e2e-box"]');
    await row.getByTestId("runner-state").getByText("Online").waitFor();

    // The New session form on a phone: a command agent on that runner.
    await page.setViewportSize(PHONE);
    await page.getByTestId("nav-new").click();
    const form = page.getByTestId("launch-form");
    const option = form.locator("select[name=runner] option", { hasText: "e2e-box · online" });
    await option.waitFor({ state: "attached" });
    await form.getByLabel("Runner").selectOption(await option.getAttribute("value"));
    await form.getByLabel("Command", { exact: true }).check();
    await form.locator('input[name="command"]').fill(`'${testAgent}' ask`);
    await form.getByLabel("Session name (optional)").fill("launched from the phone");
    await shot("form");
    await form.getByRole("button", { name: "Launch session" }).click();
    await page.waitForURL(/\/sessions\/[^/]+$/);
    await page.getByTestId("session-name").getByText("launched from the phone").waitFor();

    // The agent works and asks; the answer in the page reaches it; it exits 0.
    const card = page.getByTestId("question");
    await card.getByText("Proceed?").waitFor();
    await shot("question");
    await card.getByRole("button", { name: "Yes" }).click();
    await page.getByTestId("status").getByText("Completed").waitFor({ timeout: 30000 });
    await page.getByTestId("stop-reason").getByText("The agent process exited with code 0").waitFor();
    await page.getByText("the answer was yes").waitFor();
    await shot("completed");

    // Continue: a new run linked to this one, on the same runner; the stop button ends it.
    const first = page.url();
    await page.getByTestId("continue").click();
    await page.getByRole("button", { name: "Continue" }).last().click();
    await page.waitForURL((u) => u.toString() !== first && /\/sessions\/[^/]+$/.test(u.pathname));
    await page.getByTestId("parent-link").waitFor();
    await page.getByTestId("question").getByText("Proceed?").waitFor({ timeout: 30000 });
    await page.getByRole("button", { name: "Stop session" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Stop session" }).click();
    await page.getByTestId("status").getByText(/Stopped|Completed/).waitFor({ timeout: 30000 });
    await page.getByTestId("stop-reason").waitFor();
    await shot("continued-stopped");
  } catch (e) {
    await shot("failed").catch(() => {});
    t.diagnostic(`runner output:\n${runnerLog}`);
    throw e;
  }
});
