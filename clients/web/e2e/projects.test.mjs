// Projects in Chromium, two people: the admin (the with-server user) and a second person made with
// the server's admin CLI. Invite as view → accept → read-only session; role changed to edit →
// they answer; the last admin cannot leave; a personal session shared with the other person shows
// under "Shared with me"; the audit page lists the answer with its actor and channel.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { AuditAction, AuditChannel, ProjectRole, createNodeDashboard, startSession } from "@switchboard/client/node";

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = process.env.SWITCHBOARD_ARTIFACTS ?? join(here, "../../../test-artifacts");
mkdirSync(artifacts, { recursive: true });
for (const f of readdirSync(artifacts)) if (/^web-failed-(admin|bob)-/.test(f)) rmSync(join(artifacts, f));

const url = must("SWITCHBOARD_URL");
const apiKey = must("SWITCHBOARD_API_KEY");
const adminEmail = must("SWITCHBOARD_EMAIL");
const adminPassword = must("SWITCHBOARD_PASSWORD");
const bin = must("SWITCHBOARD_BIN");
function must(n) {
  if (!process.env[n]) throw new Error(`${n} is not set: run through scripts/with-server.sh`);
  return process.env[n];
}

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const suffix = randomBytes(3).toString("hex");
const bobEmail = `bob-${suffix}@example.com`;
const bobPassword = `pw-${randomBytes(12).toString("hex")}`;
const team = `Team ${suffix}`;

let browser;
let admin; // the admin's page
let bob; // the second person's page, in a browser context of their own

async function newPage() {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: url });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  return page;
}

async function signIn(page, email, password) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Project").waitFor();
}

async function shot(page, name, viewport) {
  if (viewport) await page.setViewportSize(viewport);
  await page.waitForTimeout(150);
  const v = page.viewportSize();
  await page.screenshot({ path: join(artifacts, `web-${name}-${v.width}x${v.height}.png`) });
}

/** At phone size: no horizontal scroll and tap targets at least 44 px tall. */
async function checkPhoneLayout(page, where) {
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(150);
  const r = await page.evaluate(() => {
    const small = [];
    for (const el of document.querySelectorAll("button, a, input, select, textarea")) {
      const b = el.getBoundingClientRect();
      if (b.width === 0 || b.height === 0) continue;
      if (b.height < 43.5) small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 30)}" ${Math.round(b.height)}px`);
    }
    return { overflow: document.documentElement.scrollWidth - window.innerWidth, small };
  });
  assert.ok(r.overflow <= 0, `${where}: page scrolls horizontally by ${r.overflow}px at 390px`);
  assert.deepEqual(r.small, [], `${where}: tap targets under 44px`);
  await shot(page, where, PHONE);
  await page.setViewportSize(DESKTOP);
}

before(async () => {
  // The second person, made as an operator would: the server's admin CLI.
  execFileSync(bin, ["user", "create", "--email", bobEmail, "--password-stdin"], { input: bobPassword, stdio: ["pipe", "ignore", "inherit"] });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  admin = await newPage();
  bob = await newPage();
});

after(async () => {
  await browser?.close();
});

test("projects, roles, sharing and audit in Chromium", async (root) => {
  let broken = false;
  // Steps depend on each other: after a failure the rest are skipped, not timed out one by one.
  const step = (name, fn) =>
    root.test(name, { skip: broken && "an earlier step failed" }, async () => {
      try {
        await fn();
      } catch (e) {
        broken = true;
        const tag = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40);
        await admin.screenshot({ path: join(artifacts, `web-failed-admin-${tag}.png`) }).catch(() => {});
        await bob.screenshot({ path: join(artifacts, `web-failed-bob-${tag}.png`) }).catch(() => {});
        throw e;
      }
    });

  let inviteUrl;
  let agent;
  let questionId;

  await step("the admin creates a team project and invites the other person as view", async () => {
    await admin.goto("/");
    await signIn(admin, adminEmail, adminPassword);
    // The personal project comes first and is chosen by default.
    const me = createNodeDashboard(url, { protocol: "grpc-web" });
    await me.auth.login(adminEmail, adminPassword);
    // A personal project's id is its owner's user id.
    assert.equal(await admin.getByLabel("Project").locator("option").first().getAttribute("value"), me.auth.user.id);
    assert.equal(await admin.getByLabel("Project").inputValue(), me.auth.user.id);
    await admin.getByLabel("Project").selectOption({ label: "+ New project…" });
    await admin.getByRole("dialog").getByLabel("Name").fill(team);
    await admin.getByRole("button", { name: "Create project" }).click();
    await admin.getByRole("heading", { name: "Members" }).waitFor();
    await admin.locator(`[data-testid="member-row"][data-email="${adminEmail}"]`).waitFor();
    await admin.getByLabel("Invite by email").fill(bobEmail);
    await admin.getByLabel("Role", { exact: true }).selectOption({ label: "View" });
    await admin.getByRole("button", { name: "Invite" }).click();
    inviteUrl = (await admin.getByTestId("invite-url").textContent()).trim();
    assert.match(inviteUrl, /\/#\/invite\/[^/]+$/);
    await admin.getByTestId("pending-invitations").getByText(bobEmail).waitFor();
    await checkPhoneLayout(admin, "members");
    await admin.getByRole("button", { name: "Done" }).click();
  });

  await step("a key made on the team's keys page puts the agent's session in the team, live on its home", async () => {
    await admin.getByRole("link", { name: "API keys" }).click();
    await admin.getByRole("heading", { name: `API keys · ${team}` }).waitFor();
    await admin.getByLabel("New key name").fill("team-key");
    await admin.getByRole("button", { name: "Create key" }).click();
    const secret = (await admin.getByTestId("secret-value").textContent()).trim();
    await admin.locator('[data-key-name="team-key"]').getByText(`by ${adminEmail}`).waitFor();
    // The team's home is live (its WatchInbox) before the agent starts.
    await admin.getByRole("link", { name: "Sessions" }).click();
    await admin.getByText("Live", { exact: true }).first().waitFor();
    agent = await startSession(url, secret, { agentName: "team-agent", name: "Team deploy" });
    const asked = await agent.askQuestion("Ship the release to production?", {
      options: [
        { id: "ship", label: "Ship it" },
        { id: "wait", label: "Wait for QA" },
      ],
    });
    questionId = asked.question.id;
    await admin.getByText("Team deploy").waitFor();
    await admin.getByTestId("open-count").waitFor();
  });

  await step("the invited person sees the invitation, joins by the link, and reads without answer buttons", async () => {
    await bob.goto("/");
    await signIn(bob, bobEmail, bobPassword);
    await bob.getByTestId("invitation").getByText(team).waitFor();
    // The invite link, opened in the signed-in tab, asks before joining.
    await bob.goto(inviteUrl);
    await bob.getByRole("heading", { name: "Join a project" }).waitFor();
    await bob.getByRole("button", { name: "Accept invitation" }).click();
    await bob.getByText("Team deploy").waitFor();
    assert.equal(await bob.getByLabel("Project").locator("option:checked").textContent(), `${team} · View`);
    assert.equal(await bob.getByTestId("invitation").count(), 0);
    assert.equal(await bob.getByRole("link", { name: "API keys" }).count(), 0, "a viewer has no keys page");
    await bob.getByText("Team deploy").click();
    await bob.getByTestId("question").getByText("Ship the release to production?").waitFor();
    await bob.getByTestId("read-only").waitFor();
    await bob.getByTestId("view-only").waitFor();
    assert.equal(await bob.locator("[data-option]").count(), 0, "no answer buttons for a viewer");
    assert.equal(await bob.getByRole("button", { name: "Stop session" }).count(), 0);
    assert.equal(await bob.getByRole("button", { name: "Rename session" }).count(), 0);
    assert.equal(await bob.getByLabel("Message to the agent").count(), 0);
    assert.equal(await bob.getByRole("button", { name: "Share" }).count(), 0);
    await checkPhoneLayout(bob, "session-view-role");
  });

  await step("the last admin cannot leave: the server's refusal is shown", async () => {
    await admin.getByRole("link", { name: "Members" }).click();
    await admin.locator(`[data-testid="member-row"][data-email="${bobEmail}"]`).waitFor();
    await admin.getByRole("button", { name: "Leave project" }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Leave project" }).click();
    const refusal = await admin.getByRole("dialog").getByRole("alert").textContent();
    assert.match(refusal, /admin/i);
    await admin.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  });

  await step("role changed to edit: they answer the question and the agent gets it", async () => {
    const changed = admin.waitForResponse((r) => r.url().endsWith("/ChangeMemberRole"));
    await admin.getByLabel(`Role of ${bobEmail}`).selectOption({ label: "Edit" });
    assert.equal((await changed).status(), 200);
    // The list is read again from the server after the change.
    await admin.waitForResponse((r) => r.url().endsWith("/ListMembers"));
    assert.equal(await admin.getByLabel(`Role of ${bobEmail}`).inputValue(), "2");
    assert.equal(await admin.getByTestId("members-error").count(), 0);
    const answered = agent.waitForAnswer(questionId, { timeoutMs: 60_000 });
    await bob.reload();
    await bob.getByRole("button", { name: /Ship it/ }).click();
    const answer = await answered;
    assert.deepEqual(answer.optionIds, ["ship"]);
    await bob.getByTestId("question").waitFor({ state: "detached" });
  });

  await step("a personal session shared with the other person shows under Shared with me", async () => {
    const solo = await startSession(url, apiKey, { agentName: "solo-agent", name: "Solo investigation" });
    await solo.step("Looking into the flaky test");
    await solo.askQuestion("Rerun the flaky test?", { options: [{ id: "rerun", label: "Rerun it" }] });
    await admin.getByLabel("Project").selectOption({ label: (await admin.getByLabel("Project").locator("option").first().textContent()).trim() });
    await admin.getByRole("link", { name: "Sessions" }).click();
    await admin.getByText("Solo investigation").click();
    await admin.getByRole("button", { name: "Share" }).click();
    const dialog = admin.getByRole("dialog");
    await dialog.getByLabel("Email").fill(bobEmail);
    await dialog.getByLabel("Access").selectOption({ label: "Can read" });
    await dialog.getByRole("button", { name: "Share", exact: true }).click();
    await dialog.getByTestId("share-row").getByText(bobEmail).waitFor();
    await checkPhoneLayout(admin, "share-dialog");
    await dialog.getByRole("button", { name: "Done" }).click();

    await bob.getByLabel("Project").selectOption({ label: "Shared with me" });
    await bob.getByRole("heading", { name: "Shared with me" }).waitFor();
    await bob.getByText("Solo investigation").click();
    await bob.getByText("Looking into the flaky test").waitFor();
    await bob.getByText("Shared with you").waitFor();
    // A READ share is view only (GetSession's caller_role): no answer buttons, no composer.
    await bob.getByTestId("read-only").waitFor();
    await bob.getByTestId("view-only").waitFor();
    assert.equal(await bob.locator("[data-option]").count(), 0, "no answer buttons for a read share");
    assert.equal(await bob.getByLabel("Message to the agent").count(), 0);
    assert.equal(await bob.getByText("waiting for your answer").count(), 0);
    await solo.end("looked into it");
  });

  await step("an invitation to the person's email is accepted from the banner", async () => {
    const d = createNodeDashboard(url, { protocol: "grpc-web" });
    await d.auth.login(adminEmail, adminPassword);
    const side = (await d.projects.createProject({ name: `Side ${suffix}` })).project;
    await d.projects.inviteMember({ projectId: side.id, email: bobEmail, role: ProjectRole.EDIT });
    await bob.reload();
    const banner = bob.getByTestId("invitation").filter({ hasText: `Side ${suffix}` });
    await banner.getByRole("button", { name: "Accept" }).click();
    await bob.getByTestId("invitation").waitFor({ state: "detached" });
    assert.equal(await bob.getByLabel("Project").locator("option:checked").textContent(), `Side ${suffix} · Edit`);
  });

  await step("the audit page lists the answer with its actor and the DASHBOARD channel", async () => {
    await admin.getByLabel("Project").selectOption({ label: `${team} · Admin` });
    await admin.getByRole("link", { name: "Audit" }).click();
    await admin.getByLabel("Filter by action").selectOption({ label: "Question answered" });
    // The page clears and reloads its list when a filter changes: wait for the filtered list,
    // not a row of the unfiltered one still on screen.
    await admin.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="audit-row"]')];
      return rows.length === 1 && rows[0].textContent.includes("Question answered");
    });
    const row = admin.getByTestId("audit-row").filter({ hasText: "Question answered" }).first();
    await row.waitFor();
    assert.equal((await row.getByTestId("audit-actor").textContent()).trim(), bobEmail);
    assert.equal((await row.getByTestId("audit-channel").textContent()).trim(), "Dashboard");
    assert.equal(await admin.getByTestId("audit-row").count(), 1);
    await shot(admin, "audit", DESKTOP);
    await checkPhoneLayout(admin, "audit");

    // The same event through the API: what the page showed is what the server recorded.
    const d = createNodeDashboard(url, { protocol: "grpc-web" });
    await d.auth.login(adminEmail, adminPassword);
    const projectId = (await d.projects.listProjects({})).projects.find((p) => p.name === team).id;
    const res = await d.projects.listAuditEvents({ projectId, actions: [AuditAction.QUESTION_ANSWERED] });
    assert.equal(res.events.length, 1);
    assert.equal(res.events[0].channel, AuditChannel.DASHBOARD);
    assert.equal(res.events[0].actorEmail, bobEmail);

    // Keyset pages: 51 messages fill more than the page's 50 rows.
    const session = (await d.dashboard.listSessions({ projectId })).sessions.find((x) => x.name === "Team deploy");
    // Over plain gRPC: the server records those as the API channel (gRPC-Web is the dashboard's).
    const g = createNodeDashboard(url, { protocol: "grpc" });
    await g.auth.login(adminEmail, adminPassword);
    for (let i = 0; i < 51; i++) await g.dashboard.sendMessage({ sessionId: session.id, text: `note ${i}`, requestId: `e2e-note-${suffix}-${i}` });
    await admin.getByLabel("Filter by action").selectOption({ label: "Message sent" });
    await admin.getByLabel("Filter by session id").fill(session.id);
    await admin.getByLabel("Filter by session id").press("Enter");
    // The list as read with these filters (session|actor|action), before asking for its next page.
    await admin.locator(`[data-testid="audit-list"][data-filters="${session.id}||${AuditAction.MESSAGE_SENT}"]`).waitFor();
    await admin.getByRole("button", { name: "Load more" }).click();
    await admin.getByRole("button", { name: "Load more" }).waitFor({ state: "detached" });
    // The button also goes while the page loads: wait for the rows, then count them.
    await admin.waitForFunction(() => document.querySelectorAll('[data-testid="audit-row"]').length >= 51);
    assert.equal(await admin.getByTestId("audit-row").count(), 51);
    const channels = await admin.getByTestId("audit-channel").allTextContents();
    assert.deepEqual([...new Set(channels)], ["API"]);
  });
});
