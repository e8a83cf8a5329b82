// Browser end-to-end test: Debian's Chromium driven by playwright-core against the live server
// (scripts/with-server.sh), which serves clients/web/dist. The agent side runs in this process
// with the generated client over gRPC (HTTP/2).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import {
  AgentSession,
  ApprovalDecision,
  Code,
  ConnectError,
  Sender,
  SessionStatus,
  createAgentClient,
  createNodeDashboard,
  startSession,
} from "@switchboard/client/node";

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = process.env.SWITCHBOARD_ARTIFACTS ?? join(here, "../../../test-artifacts");
mkdirSync(artifacts, { recursive: true });
for (const f of readdirSync(artifacts)) if (f.startsWith("web-failed-")) rmSync(join(artifacts, f));

const url = must("SWITCHBOARD_URL");
const apiKey = must("SWITCHBOARD_API_KEY");
const email = must("SWITCHBOARD_EMAIL");
const password = must("SWITCHBOARD_PASSWORD");
function must(n) {
  if (!process.env[n]) throw new Error(`${n} is not set: run through scripts/with-server.sh`);
  return process.env[n];
}

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let browser;
let page;
let agent;
let agentStream;
const ctl = new AbortController();

/** Collects an async iterator in the background; until() waits for a matching item. */
function collect(it) {
  const items = [];
  let error;
  let done = false;
  const run = (async () => {
    try {
      for await (const x of it) items.push(x);
    } catch (e) {
      error = e;
    } finally {
      done = true;
    }
  })();
  return {
    items,
    run,
    async until(pred, what, ms = 15000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = items.find(pred);
        if (hit) return hit;
        if (error) throw error;
        if (done) throw new Error(`stream ended before ${what}`);
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

async function shot(name, viewport) {
  if (viewport) await page.setViewportSize(viewport);
  await page.waitForTimeout(150);
  const file = join(artifacts, `web-${name}-${(viewport ?? page.viewportSize()).width}x${(viewport ?? page.viewportSize()).height}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** At phone size: no horizontal scroll, tap targets at least 44px tall, text at least 12px. */
async function checkPhoneLayout(where) {
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(150);
  const r = await page.evaluate(() => {
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    const small = [];
    for (const el of document.querySelectorAll("button, a, input, select, textarea, label.check")) {
      const b = el.getBoundingClientRect();
      if (b.width === 0 || b.height === 0) continue; // hidden
      if (el.closest(".event")) continue; // inline links inside feed notes
      if (el.matches("input[type=checkbox]")) continue; // the whole label is the target
      if (b.height < 43.5) small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 30)}" ${Math.round(b.height)}px`);
    }
    const tiny = [];
    for (const el of document.querySelectorAll("p, span, a, button, dd, li, label, h1, h2, code")) {
      const fs = parseFloat(getComputedStyle(el).fontSize);
      if (el.getBoundingClientRect().height > 0 && fs < 11.5) tiny.push(`${el.tagName} ${fs}px`);
    }
    return { overflow, small, tiny };
  });
  assert.ok(r.overflow <= 0, `${where}: page scrolls horizontally by ${r.overflow}px at 390px`);
  assert.deepEqual(r.small, [], `${where}: tap targets under 44px`);
  assert.deepEqual(r.tiny, [], `${where}: text under 12px`);
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: url });
  context.setDefaultTimeout(15000);
  page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
});

after(async () => {
  ctl.abort();
  await browser?.close();
});

test("the server serves the dashboard at / and unknown paths over HTTP/1.1 (SPA fallback)", async () => {
  // What a browser does on http://: plain HTTP/1.1 GETs next to gRPC-Web on the same port.
  for (const path of ["/", "/sessions/00000000-0000-0000-0000-000000000000", "/keys"]) {
    const res = await fetch(url + path);
    assert.equal(res.status, 200, `GET ${path}`);
    assert.match(await res.text(), /id="app"/, `GET ${path} is index.html`);
  }
  const html = await (await fetch(url + "/")).text();
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(asset, "index.html references its bundle");
  const js = await fetch(url + asset);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type") ?? "", /javascript/);
});

test("dashboard end to end in Chromium", async (root) => {
  let broken = false;
  // Steps depend on each other: after a failure the rest are skipped, not timed out one by one.
  const t = {
    test: (name, fn) =>
      root.test(name, { skip: broken && "an earlier step failed" }, async (tt) => {
        try {
          await fn(tt);
        } catch (e) {
          broken = true;
          await shot(`failed-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}`).catch(() => {});
          throw e;
        }
      }),
  };
  await t.test("sign in", async () => {
    await page.goto("/");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(wrongPassword());
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    await shot("login-error", DESKTOP);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Sessions", exact: true }).waitFor();
    await page.getByText("Live", { exact: true }).first().waitFor();
  });

  await t.test("a new session and its question appear live; the title counts open questions", async () => {
    agent = await startSession(url, apiKey, { agentName: "e2e-agent", name: "Refactor the auth module" });
    await agent.step("Reading server/auth and its tests");
    await agent.step("Found 3 places that parse the Authorization header by hand");
    await agent.reportUsage({ inputTokens: 18200, outputTokens: 2300, costMicros: 187_500 });
    await agent.reportDiff(sampleDiff);
    agentStream = collect(agent.messages({ signal: ctl.signal }));
    await page.getByText("Refactor the auth module").waitFor();

    const asked = await agent.askQuestion("The old helper is used by two plugins. How should I proceed?", {
      options: [
        { id: "keep", label: "Keep the old helper", description: "Deprecate it, migrate later" },
        { id: "rewrite", label: "Rewrite both plugins now", description: "Bigger diff, no legacy left" },
      ],
      allowFreeText: true,
      timeoutMs: 30 * 60_000,
      defaultOptionIds: ["keep"],
    });
    agent.pendingAnswer = agent.waitForAnswer(asked.question.id, { timeoutMs: 60_000 });
    agent.pendingAnswer.catch(() => {}); // awaited (and checked) in the next step
    agent.questionId = asked.question.id;
    await page.getByTestId("open-count").first().waitFor();
    await page.waitForFunction(() => document.title === "(1) Switchboard");
    await shot("home", DESKTOP);
    await checkPhoneLayout("home");
    await shot("home", PHONE);
    await page.setViewportSize(DESKTOP);
  });

  await t.test("the person answers with one tap and the waiting agent gets it", async () => {
    await page.getByText("Refactor the auth module").click();
    await page.getByTestId("question").waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
    await shot("session-question", DESKTOP);
    await checkPhoneLayout("session");
    await shot("session-question", PHONE);
    await page.locator("#changes summary").click();
    await page.getByTestId("diff").waitFor();
    await checkPhoneLayout("session with diff");
    await page.locator("#changes").scrollIntoViewIfNeeded();
    await shot("session-diff", PHONE);
    await page.setViewportSize(DESKTOP);
    await page.locator("#changes").scrollIntoViewIfNeeded();
    await shot("session-diff", DESKTOP);
    await page.getByRole("button", { name: /Rewrite both plugins now/ }).click();
    const answer = await agent.pendingAnswer;
    assert.deepEqual(answer.optionIds, ["rewrite"]);
    await page.getByTestId("question").waitFor({ state: "detached" });
    await page.waitForFunction(() => document.title === "Switchboard");
    await agentStream.until((m) => m.body.case === "answer", "the answer on Subscribe");
  });

  await t.test("a message typed in the page reaches the agent's stream", async () => {
    await page.getByLabel("Message to the agent").fill("Please keep the public API unchanged.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const m = await agentStream.until((x) => x.body.case === "userMessage", "the user message on Subscribe");
    assert.equal(m.body.value.text, "Please keep the public API unchanged.");
    await agent.step("Rewriting plugin A and plugin B");
    await page.getByText("Rewriting plugin A and plugin B").waitFor();
    await shot("session-feed", DESKTOP);
    await shot("session-feed", PHONE);
    await page.setViewportSize(DESKTOP);
  });

  await t.test("multiple choice, and a clear message when someone else answered first", async () => {
    // Hold this page's live feed back so that the other person's answer is not seen live.
    await page.route("**/switchboard.v1.DashboardService/WatchSession", (r) => r.abort());
    const asked = await agent.askQuestion("Which plugins should get integration tests?", {
      options: [
        { id: "a", label: "Plugin A" },
        { id: "b", label: "Plugin B" },
        { id: "c", label: "Both CLI wrappers" },
      ],
      multiple: true,
    });
    await page.reload();
    const card = page.getByTestId("question");
    await card.waitFor();
    await page.getByText("Reconnecting…").waitFor();
    // Someone else (another tab, the phone app) answers first.
    const other = createNodeDashboard(url, { protocol: "grpc-web" });
    await other.auth.login(email, password);
    await other.dashboard.answerQuestion({ sessionId: agent.id, questionId: asked.question.id, optionIds: ["a"] });
    await card.getByText("Plugin B").click();
    await card.getByText("Both CLI wrappers").click();
    await shot("session-multiple", PHONE);
    await card.getByRole("button", { name: "Send answer" }).click();
    await page.getByTestId("banner").getByText(/already answered|answered this question first/).waitFor();
    await shot("session-conflict", PHONE);
    await page.setViewportSize(DESKTOP);
    await page.unroute("**/switchboard.v1.DashboardService/WatchSession");
    await page.getByText("Live", { exact: true }).waitFor({ timeout: 20000 });
    await page.getByTestId("question").waitFor({ state: "detached" });
    const ans = await agentStream.until(
      (x) => x.body.case === "answer" && x.body.value.questionId === asked.question.id,
      "the other answer on Subscribe",
    );
    assert.deepEqual(ans.body.value.optionIds, ["a"]);
  });

  await t.test("rename the session", async () => {
    await page.getByRole("button", { name: "Rename session" }).click();
    await page.getByLabel("Session name").fill("Refactor auth (plugins too)");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByTestId("session-name").getByText("Refactor auth (plugins too)").waitFor();
  });

  await t.test("stopping the session reaches the agent", async () => {
    await page.getByRole("button", { name: "Stop session" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/Reason/).fill("Enough for today");
    await shot("stop-dialog", PHONE);
    await page.setViewportSize(DESKTOP);
    await dialog.getByRole("button", { name: "Stop session" }).click();
    const m = await agentStream.until(
      (x) => x.body.case === "statusChange" && x.body.value.toStatus === SessionStatus.STOPPING,
      "STOPPING on Subscribe",
    );
    assert.equal(m.body.value.toStatus, SessionStatus.STOPPING);
    const ended = await agent.end("Stopped at the person's request");
    assert.equal(ended.status, SessionStatus.STOPPED);
    await page.getByTestId("status").getByText("Stopped").waitFor();
  });

  await t.test("an API key created in the UI works for an agent, then is refused once revoked", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("New key name").fill("e2e-ui-key");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("secret-value").textContent()).trim();
    assert.match(secret, /^sb_live_/);
    await shot("keys-created", DESKTOP);
    await checkPhoneLayout("keys");
    await shot("keys-created", PHONE);
    await page.setViewportSize(DESKTOP);

    const client = createAgentClient(url, secret);
    const s = await AgentSession.start(client, { agentName: "e2e-key-agent" });
    await s.step("hello with the new key");

    await page.getByRole("button", { name: "Done" }).click();
    const row = page.locator('[data-testid="key-row"][data-key-name="e2e-ui-key"]');
    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await page.waitForFunction(() => !document.querySelector('[data-key-name="e2e-ui-key"] button'));

    await assert.rejects(s.step("after revoke"), (e) => {
      assert.equal(ConnectError.from(e).code, Code.Unauthenticated);
      return true;
    });
  });

  await t.test("home filters by agent and by status", async () => {
    await page.getByRole("link", { name: "Sessions" }).click();
    await page.getByTestId("session-list").waitFor();
    await page.getByLabel("Filter by agent").selectOption({ label: "e2e-key-agent" });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-row"]').length === 1);
    assert.match(await page.getByTestId("session-row").innerText(), /e2e-key-agent/);
    await page.getByLabel("Filter by agent").selectOption({ label: "All agents" });
    await page.getByLabel("Filter by status").selectOption({ label: "Ended" });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-row"]').length >= 1);
    const statuses = await page.getByTestId("status").allInnerTexts();
    assert.ok(statuses.every((x) => ["Completed", "Failed", "Stopped"].includes(x)), statuses.join(","));
    assert.ok(statuses.includes("Stopped"));
    await shot("home-filtered", PHONE);
    await page.setViewportSize(DESKTOP);
    await page.getByLabel("Filter by status").selectOption({ label: "All statuses" });
  });

  await t.test("older activity loads when scrolling up (ListMessages backward)", async () => {
    const long = await startSession(url, apiKey, { agentName: "e2e-agent", name: "Long session" });
    for (let i = 1; i <= 70; i++) await long.step(`Step number ${i}`);
    await page.goto(`/sessions/${long.id}`);
    await page.getByText("Step number 70", { exact: true }).waitFor();
    assert.equal(await page.getByText("Step number 1", { exact: true }).count(), 0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByText("Step number 1", { exact: true }).waitFor();
    const seqs = await page.$$eval("[data-seq]", (els) => els.map((e) => Number(e.getAttribute("data-seq"))));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "feed in seq order");
    assert.equal(new Set(seqs).size, seqs.length, "no duplicate seq");
    assert.equal(seqs[0], 1);
    assert.equal(seqs.at(-1) - seqs[0] + 1, seqs.length, "no gap");
    await long.end("done");
    await page.getByTestId("status").getByText("Completed").waitFor();
  });

  await t.test("a browser notification when a question arrives while the tab is hidden", async () => {
    await page.context().grantPermissions(["notifications"], { origin: url });
    await page.goto("/");
    await page.getByRole("heading", { name: "Sessions", exact: true }).waitFor();
    await page.getByText("Live", { exact: true }).first().waitFor();
    // Pretend the tab is in the background and record what the page shows.
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      const Real = window.Notification;
      window.__notes = [];
      window.Notification = class extends Real {
        constructor(title, opts) {
          super(title, opts);
          window.__notes.push({ title, body: opts?.body });
        }
      };
      Object.defineProperty(window.Notification, "permission", { get: () => Real.permission });
    });
    const s = await startSession(url, apiKey, { agentName: "notify-agent", name: "Background question" });
    await s.askQuestion("Ship it tonight?", { options: ["Yes", "No"] });
    await page.waitForFunction(() => window.__notes.length > 0);
    const notes = await page.evaluate(() => window.__notes);
    // Only the new question: questions asked before the page loaded are in the list, not news.
    assert.deepEqual(notes, [{ title: "notify-agent needs your input", body: "Ship it tonight?" }]);
    // After a reload the row still shows the open question's text (read from GetSession).
    await page.reload();
    await page.getByText("“Ship it tonight?”").waitFor();
    await s.end("never mind");
    await page.reload();
    // An ended session's unanswered question no longer counts.
    await page.getByText("Background question").waitFor();
    await page.waitForFunction(() => document.title === "Switchboard");
  });

  await t.test("tokens: the refresh token is an HttpOnly cookie; a new tab stays signed in, refreshes rotate it, a refused refresh returns to sign-in", async () => {
    const read = (p) => p.evaluate(() => JSON.parse(localStorage.getItem("switchboard.auth")));
    const refreshCookie = async () => (await page.context().cookies()).find((c) => c.name === "sb_refresh");
    await page.goto("/keys");
    await page.getByTestId("key-list").waitFor();
    const before = await read(page);
    assert.equal(before.accessToken, undefined, "the access token is not in localStorage");
    assert.equal(before.refreshToken, undefined, "the refresh token is not in localStorage");
    assert.equal(before.user.email, email);
    const cookie = await refreshCookie();
    assert.ok(cookie, "the refresh token is a cookie");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.equal(cookie.path, "/auth/session");
    assert.equal(await page.evaluate(() => document.cookie.includes("sb_refresh")), false, "scripts cannot read it");
    // A second tab: no access token in its memory yet, so it refreshes with the shared cookie.
    const tab2 = await page.context().newPage();
    await tab2.goto("/keys");
    await tab2.getByTestId("key-list").waitFor();
    assert.notEqual((await refreshCookie()).value, cookie.value, "the refresh token rotated");
    // The first tab refreshes next with the latest cookie, and stays in.
    await page.reload();
    await page.getByTestId("key-list").waitFor();
    await tab2.reload();
    await tab2.getByTestId("key-list").waitFor();
    assert.equal(await page.getByRole("button", { name: "Sign in" }).count(), 0);

    // A refresh token the server refuses: back to the sign-in page.
    const saved = await refreshCookie();
    const savedUser = await page.evaluate(() => localStorage.getItem("switchboard.auth"));
    await tab2.close();
    await page.context().addCookies([{ ...saved, value: "not-a-valid-refresh-token" }]);
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    assert.equal(await refreshCookie(), undefined, "the refused cookie is cleared");
    // The still valid cookie back (with the remembered user): signed in again.
    await page.context().addCookies([saved]);
    await page.evaluate((v) => localStorage.setItem("switchboard.auth", v), savedUser);
    await page.reload();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
  });

  await t.test("sign out returns to the login page and ends the cookie's sign-in", async () => {
    const saved = (await page.context().cookies()).find((c) => c.name === "sb_refresh");
    const loggedOut = page.waitForResponse((r) => r.url().endsWith("/auth/session/logout"));
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    assert.equal((await loggedOut).status(), 200);
    assert.equal(await page.evaluate(() => localStorage.getItem("switchboard.auth")), null);
    assert.ok(!(await page.context().cookies()).some((c) => c.name === "sb_refresh"), "the cookie is cleared");
    // The old cookie is revoked: putting it back does not sign in.
    await page.context().addCookies([saved]);
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.context().clearCookies();
    await shot("login", PHONE);
  });
});

test("tool approval cards in Chromium", async (root) => {
  let broken = false;
  const t = {
    test: (name, fn) =>
      root.test(name, { skip: broken && "an earlier step failed" }, async (tt) => {
        try {
          await fn(tt);
        } catch (e) {
          broken = true;
          await shot(`failed-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}`).catch(() => {});
          throw e;
        }
      }),
  };
  let s;
  const card = (id) => page.locator(`[data-testid="approval"][data-approval-id="${id}"]`);
  /** Starts requestApproval and returns the pending decision and the approval's id (from the feed). */
  async function request(toolName, input, opts) {
    const before = await s.askApproval(toolName, input, opts); // the half that returns at once
    const id = before.approval.id;
    const decision = s.waitForApproval(id, { timeoutMs: 60_000 });
    decision.catch(() => {}); // awaited by the step
    return { id, decision };
  }

  await t.test("sign in and open a session whose agent asks for approvals", async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto("/");
    if (await page.getByRole("button", { name: "Sign in" }).count()) {
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
    }
    await page.getByRole("heading", { name: "Sessions", exact: true }).waitFor();
    s = await startSession(url, apiKey, { agentName: "claude-code", name: "Approvals e2e" });
    await s.step("Planning the change");
    await page.goto(`/sessions/${s.id}`);
    await page.getByText("Planning the change").waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
  });

  await t.test("allow: the shell command in monospace, one tap, the agent gets the decision", async () => {
    const { id, decision } = await request(
      "Bash",
      { command: "cargo test --locked", description: "Run the tests" },
      { preview: { summary: "Run cargo test", shellCommand: { command: "cargo test --locked", description: "Run the tests", workingDirectory: "/src/app" } } },
    );
    const c = card(id);
    await c.waitFor();
    await page.getByTestId("status").getByText("Needs input").waitFor();
    const cmd = c.getByTestId("approval-command");
    assert.equal((await cmd.innerText()).trim(), "cargo test --locked");
    assert.match(await cmd.evaluate((el) => getComputedStyle(el).fontFamily), /mono|Menlo|Consolas/i);
    // The raw input is there, collapsed.
    assert.equal(await c.getByTestId("approval-input").isVisible(), false);
    await c.getByText("Raw input").click();
    assert.deepEqual(JSON.parse(await c.getByTestId("approval-input").innerText()), { command: "cargo test --locked", description: "Run the tests" });
    await shot("approval-shell", DESKTOP);
    await checkPhoneLayout("approval card");
    await shot("approval-shell", PHONE);
    await c.getByRole("button", { name: "Allow", exact: true }).click();
    const r = await decision;
    assert.equal(r.decision, ApprovalDecision.ALLOW_ONCE);
    assert.equal(r.decidedBy, Sender.USER);
    await c.getByTestId("approval-outcome").getByText(/Allowed · you/).waitFor();
    assert.equal(await c.getByRole("button").count(), 0, "no buttons on a decided card");
    await page.getByTestId("status").getByText("Active").waitFor();
    await page.setViewportSize(DESKTOP);
  });

  await t.test("deny with a reason: the file's diff with +/- lines, the reason reaches the agent", async () => {
    const { id, decision } = await request(
      "Edit",
      { file_path: "src/lib.rs", old_string: "a", new_string: "b" },
      { preview: { summary: "Edit src/lib.rs", fileChange: { path: "src/lib.rs", unifiedDiff: editDiff } } },
    );
    const c = card(id);
    await c.waitFor();
    assert.equal(await c.getByTestId("approval-path").innerText(), "src/lib.rs");
    await c.locator(".d-add", { hasText: "+pub fn b() {}" }).waitFor();
    await c.locator(".d-del", { hasText: "-pub fn a() {}" }).waitFor();
    await checkPhoneLayout("approval card with a diff");
    await shot("approval-diff", PHONE);
    await c.getByRole("button", { name: "Deny" }).click();
    await c.getByLabel(/Reason/).fill("Keep a(), the plugins call it");
    await shot("approval-deny", PHONE);
    await c.getByRole("button", { name: "Deny" }).click();
    const r = await decision;
    assert.equal(r.decision, ApprovalDecision.DENY);
    assert.equal(r.reason, "Keep a(), the plugins call it");
    await c.getByTestId("approval-outcome").getByText(/Denied · you/).waitFor();
    await c.getByText("“Keep a(), the plugins call it”").waitFor();
    await page.setViewportSize(DESKTOP);
  });

  await t.test("edit input: invalid JSON is refused before sending, the edited input reaches the agent", async () => {
    const { id, decision } = await request(
      "Bash",
      { command: "npm publish" },
      { preview: { summary: "Publish the package", shellCommand: { command: "npm publish" } }, inputEditable: true },
    );
    const c = card(id);
    await c.waitFor();
    await c.getByRole("button", { name: "Edit input" }).click();
    const box = c.locator("textarea");
    await box.fill('{"command": "npm publish --dry-run"');
    await c.getByRole("alert").getByText(/Not valid JSON/).waitFor();
    assert.equal(await c.getByRole("button", { name: "Allow", exact: true }).isDisabled(), true);
    await box.fill('{"command": "npm publish --dry-run"}');
    await c.getByRole("button", { name: "Allow", exact: true }).click();
    const r = await decision;
    assert.equal(r.decision, ApprovalDecision.ALLOW_ONCE);
    assert.deepEqual(JSON.parse(r.updatedInputJson), { command: "npm publish --dry-run" });
    await c.getByTestId("approval-outcome").getByText(/with edited input/).waitFor();
    assert.equal(await c.locator("textarea").count(), 0, "the editor closes with the decision");
  });

  await t.test("a stale card resolved by the terminal: the card says so and its buttons are gone", async () => {
    const { id, decision } = await request(
      "WebFetch",
      { url: "https://docs.rs/tonic" },
      { preview: { summary: "Fetch the tonic docs", url: { url: "https://docs.rs/tonic", description: "API reference" } }, toolUseId: "toolu_stale_1" },
    );
    const c = card(id);
    await c.getByRole("button", { name: "Allow", exact: true }).waitFor();
    assert.equal(await c.getByTestId("approval-url").getByRole("link").getAttribute("href"), "https://docs.rs/tonic");
    // The person looks at the card; meanwhile the terminal's own prompt is answered first.
    const res = await s.resolveApproval({ toolUseId: "toolu_stale_1" }, ApprovalDecision.ALLOW_ONCE);
    assert.equal(res.applied, true);
    await c.getByTestId("approval-outcome").getByText(/answered in the terminal/).waitFor();
    assert.equal(await c.getByRole("button").count(), 0, "no buttons on a card the terminal answered");
    assert.equal((await decision).decidedBy, Sender.AGENT);
    await shot("approval-terminal", PHONE);
    await page.setViewportSize(DESKTOP);
  });

  await t.test("allow for this session: the next call of the tool needs no person", async () => {
    const { id, decision } = await request("Read", { file_path: "Cargo.toml" }, { preview: { summary: "Read Cargo.toml" } });
    const c = card(id);
    await c.getByRole("button", { name: "Allow for this session" }).click();
    assert.equal((await decision).decision, ApprovalDecision.ALLOW_SESSION);
    await c.getByTestId("approval-outcome").getByText(/Allowed for this session · you/).waitFor();
    const next = await s.requestApproval("Read", { file_path: "Cargo.lock" }, { preview: { summary: "Read Cargo.lock" } });
    assert.equal(next.decidedBy, Sender.SYSTEM);
    await card(next.approvalId).getByTestId("approval-outcome").getByText(/allowed by a session rule/).waitFor();
    assert.equal(await card(next.approvalId).getByRole("button").count(), 0);
  });

  await t.test("a deadline's default decides an unanswered card, and the card says so", async () => {
    // The shortest deadline the server takes (1 s): its sweeper applies the default (DENY).
    const { id, decision } = await request("Bash", { command: "make bench" }, { preview: { summary: "Run the benchmark" }, timeoutMs: 1000 });
    const r = await decision;
    assert.equal(r.decision, ApprovalDecision.DENY);
    assert.equal(r.decidedBy, Sender.SYSTEM);
    await card(id).getByTestId("approval-outcome").getByText(/Denied · deadline default/).waitFor();
    assert.equal(await card(id).getByRole("button").count(), 0);
  });

  await t.test("the home screen counts approvals with questions and its card updates when another tab decides", async () => {
    await s.askQuestion("Squash the commits?", { options: ["Yes", "No"] });
    const { id, decision } = await request(
      "Bash",
      { command: "git push --force" },
      { preview: { summary: "Force-push the branch", shellCommand: { command: "git push --force" } } },
    );
    await page.getByRole("link", { name: "Sessions", exact: true }).click();
    await page.getByTestId("waiting").getByText("1 question, 1 approval waiting").waitFor();
    await page.waitForFunction(() => document.title === "(2) Switchboard");
    const c = card(id);
    await c.getByRole("button", { name: "Allow", exact: true }).waitFor();
    // Only the open approval: the ones decided on the session page are not shown again.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="approval"]').length === 1);
    await checkPhoneLayout("home with an approval card");
    await shot("home-approval", PHONE);
    // Another tab (or the phone) decides: this card must not stay open.
    const other = createNodeDashboard(url, { protocol: "grpc-web" });
    await other.auth.login(email, password);
    await other.dashboard.decideApproval({ sessionId: s.id, approvalId: id, decision: ApprovalDecision.DENY, reason: "not on main" });
    assert.equal((await decision).reason, "not on main");
    await c.getByTestId("approval-outcome").getByText(/Denied · you/).waitFor();
    assert.equal(await c.getByRole("button").count(), 0);
    await page.waitForFunction(() => document.title === "(1) Switchboard");
    await page.setViewportSize(DESKTOP);
    await s.end("done");
  });
});

const editDiff = `--- a/src/lib.rs
+++ b/src/lib.rs
@@ -1,3 +1,3 @@
 // The library.
-pub fn a() {}
+pub fn b() {}
 pub fn c() {}
`;

function wrongPassword() {
  return "definitely-not-the-password";
}

const sampleDiff = `diff --git a/server/auth/header.rs b/server/auth/header.rs
index 3b18e51..a1f0c2d 100644
--- a/server/auth/header.rs
+++ b/server/auth/header.rs
@@ -10,9 +10,8 @@ use crate::error::AuthError;
 /// Extracts the bearer token from the request metadata.
-pub fn bearer(meta: &MetadataMap) -> Option<String> {
-    let raw = meta.get("authorization")?.to_str().ok()?;
-    raw.strip_prefix("Bearer ").map(|s| s.to_string())
+pub fn bearer(meta: &MetadataMap) -> Result<&str, AuthError> {
+    let raw = meta.get("authorization").ok_or(AuthError::Missing)?;
+    let raw = raw.to_str().map_err(|_| AuthError::Malformed)?;
+    raw.strip_prefix("Bearer ").ok_or(AuthError::Malformed)
 }
 
 #[cfg(test)]
`;
