// Web push in Chromium, end to end: the real dashboard registers its service worker; the server
// sends a real push (encrypted, VAPID-signed) for an agent's question to a push service
// stand-in in this process, which decrypts it (RFC 8291, with node:crypto) the way the browser's
// push service and browser would; the DevTools protocol (ServiceWorker.deliverPushMessage) hands
// the decrypted message to the worker, which shows the notification; its action answers the
// question and the agent receives the answer.
//
// Headless Chromium cannot click an OS notification. The worker's one test hook (see the end of
// public/sw.js) runs its own notificationclick handler on a notification it showed, which is
// what a click does; everything else is the production path.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createECDH, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { ChannelKind, NotificationEvent, NotificationService, createClient, createNodeDashboard, startSession } from "@switchboard/client/node";

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = process.env.SWITCHBOARD_ARTIFACTS ?? join(here, "../../../test-artifacts");
mkdirSync(artifacts, { recursive: true });

const url = must("SWITCHBOARD_URL");
const apiKey = must("SWITCHBOARD_API_KEY");
const email = must("SWITCHBOARD_EMAIL");
const password = must("SWITCHBOARD_PASSWORD");
function must(n) {
  if (!process.env[n]) throw new Error(`${n} is not set: run through scripts/with-server.sh`);
  return process.env[n];
}

const b64url = (b) => Buffer.from(b).toString("base64url");

/** RFC 8291 decryption of an aes128gcm body for the subscription's key pair and auth secret. */
function decrypt(body, ecdh, auth) {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const serverKey = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const shared = ecdh.computeSecret(serverKey);
  const info = Buffer.concat([Buffer.from("WebPush: info\0"), ecdh.getPublicKey(), serverKey]);
  const ikm = Buffer.from(hkdfSync("sha256", shared, auth, info, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  const end = padded.lastIndexOf(2);
  return JSON.parse(padded.subarray(0, end).toString("utf8"));
}

/** A push service on loopback holding the browser side of one subscription. */
async function pushServiceStandIn() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const got = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try {
        got.push({ headers: req.headers, message: decrypt(Buffer.concat(chunks), ecdh, auth) });
        res.writeHead(201).end();
      } catch (e) {
        got.push({ headers: req.headers, error: String(e) });
        res.writeHead(400).end(String(e));
      }
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}/push/e2e`,
    p256dh: b64url(ecdh.getPublicKey()),
    auth: b64url(auth),
    got,
    close: () => server.close(),
  };
}

async function until(what, f, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let browser;
let context;
let page;
let stand;
let notify;
let channelId;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(["notifications"], { origin: new URL(url).origin });
  context.setDefaultTimeout(15000);
  page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  stand = await pushServiceStandIn();
  const me = createNodeDashboard(url, { protocol: "grpc-web" });
  await me.auth.login(email, password);
  notify = createClient(NotificationService, me.transport);
});

after(async () => {
  if (channelId) await notify.deleteChannel({ channelId }).catch(() => {});
  stand?.close();
  await browser?.close();
});

test("a push shows a notification from the dashboard's service worker, and its action answers the question", async () => {
  // The real dashboard, signed in, registers the worker; the manifest makes it installable.
  await page.goto("/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Sessions", exact: true }).waitFor();
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, new URL("/", url).href);
  const manifest = await (await fetch(new URL("/manifest.webmanifest", url))).json();
  assert.equal(manifest.display, "standalone");
  assert.ok(manifest.icons.some((i) => i.sizes === "512x512"));
  // The Notifications page shows the device section (the browser's own push service is out of
  // reach here: the subscription is the stand-in's).
  await page.getByRole("link", { name: "Notifications" }).click();
  await page.getByRole("heading", { name: "This device" }).waitFor();

  const added = await notify.addPushSubscription({
    endpoint: stand.endpoint,
    p256dh: stand.p256dh,
    auth: stand.auth,
    events: [NotificationEvent.QUESTION_ASKED],
    label: "e2e stand-in",
  });
  channelId = added.channel.id;
  assert.equal(added.channel.kind, ChannelKind.WEB_PUSH);
  await page.reload();
  await page.getByText("Web push · e2e stand-in").waitFor();

  // The agent asks; the server's push reaches the stand-in and decrypts.
  const agent = await startSession(url, apiKey, { agentName: "push-e2e", name: "Push e2e" });
  const asked = await agent.askQuestion("Ship it?", {
    options: [
      { id: "ship", label: "Ship" },
      { id: "wait", label: "Wait" },
    ],
  });
  const pending = agent.waitForAnswer(asked.question.id, { timeoutMs: 60_000 });
  pending.catch(() => {});
  const push = await until("the server's push", () => stand.got.find((p) => p.message?.question_id === asked.question.id || p.error));
  assert.ok(!push.error, push.error);
  assert.equal(push.headers["content-encoding"], "aes128gcm");
  assert.match(push.headers.authorization, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
  assert.equal(push.headers.urgency, "high");
  const msg = push.message;
  assert.equal(msg.body, "Ship it?");
  assert.deepEqual(
    msg.actions.map((a) => a.title),
    ["Ship", "Wait"],
  );
  assert.match(msg.token, /^sb_act_/, "a single-use action token for the worker");

  // Delivered to the worker through the DevTools protocol, as the browser's push service would.
  const cdp = await context.newCDPSession(page);
  const registrations = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => registrations.push(...e.registrations));
  // The worker's life (starting, running, stopping, stopped), for a failure to say whether it was
  // stopped while it handled the tap.
  const lifecycle = [];
  cdp.on("ServiceWorker.workerVersionUpdated", (e) => lifecycle.push(...e.versions.map((v) => `${v.versionId}:${v.runningStatus}/${v.status}`)));
  await cdp.send("ServiceWorker.enable");
  const origin = new URL(url).origin;
  const reg = await until("the worker's registration", () => registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted));
  const workerErrors = [];
  cdp.on("ServiceWorker.workerErrorReported", (e) => workerErrors.push(e.errorMessage));
  // Chromium drops a DevTools push that arrives while it is still starting or updating the worker
  // (seen once in CI under load), so the push is delivered again until it shows; the worker's
  // handler is idempotent (one notification per session tag).
  const deliverUntil = async (what, data, shows) => {
    const end = Date.now() + 30_000;
    for (;;) {
      await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId: reg.registrationId, data: JSON.stringify(data) });
      try {
        return await until(what, shows, 3000);
      } catch (e) {
        if (Date.now() > end) throw new Error(`${e.message} (worker errors: ${JSON.stringify(workerErrors)})`);
      }
    }
  };
  const shown = await deliverUntil("the notification", msg, () =>
    page.evaluate(async () => {
      const ns = await (await navigator.serviceWorker.ready).getNotifications();
      return ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, actions: n.actions.map((a) => a.title), data: n.data }))[0];
    }),
  );
  assert.equal(shown.title, msg.title);
  assert.equal(shown.body, "Ship it?");
  assert.equal(shown.tag, `switchboard-session-${agent.id}`);
  assert.deepEqual(shown.actions, ["Ship", "Wait"].slice(0, shown.actions.length));
  assert.ok(shown.actions.length >= 1, "at least one answer button");
  await page.screenshot({ path: join(artifacts, "web-push-notifications-page.png") });
  // The settings page works at phone width too: no sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the Notifications page scrolls sideways by ${overflow}px at 390px`);
  await page.screenshot({ path: join(artifacts, "web-push-notifications-page-390.png") });
  await page.setViewportSize({ width: 1280, height: 800 });

  // "Wait" tapped: the worker posts the answer with the push's token; the agent receives it.
  await page.evaluate(({ tag }) => navigator.serviceWorker.controller.postMessage({ type: "switchboard-e2e-click", tag, action: "choice-1" }), {
    tag: shown.tag,
  });
  const answer = await pending;
  assert.deepEqual(answer.optionIds, ["wait"]);
  // The confirmation replaces the question in the tray. A failure says what the tray showed
  // instead (with the worker's {ok, status, message} of its POST) and how the worker lived.
  const tray = () =>
    page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ body: n.body, result: n.data?.result })));
  const confirmed = await until("the confirmation", () => tray().then((ns) => ns[0]?.body?.startsWith("Sent") && ns.map((n) => n.body))).catch(async (e) => {
    throw new Error(`${e.message}: the tray shows ${JSON.stringify(await tray())}; the worker went ${lifecycle.join(" ")}; worker errors ${JSON.stringify(workerErrors)}`);
  });
  assert.deepEqual(confirmed, ["Sent: Wait"]);
  // Web Push delivers at least once: a duplicate of the answered push, arriving after the tap,
  // leaves the confirmation in place. A push of another tag after it shows that it was handled.
  await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId: reg.registrationId, data: JSON.stringify(msg) });
  const marker = { ...msg, tag: "switchboard-e2e-marker", token: undefined, body: "marker" };
  await deliverUntil("a push after the duplicate", marker, () =>
    page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).some((n) => n.body === "marker")),
  );
  const afterDuplicate = await page.evaluate(
    async (tag) => (await (await navigator.serviceWorker.ready).getNotifications({ tag })).map((n) => n.body),
    shown.tag,
  );
  assert.deepEqual(afterDuplicate, ["Sent: Wait"]);

  // Tapping the notification itself (no action) opens the session's page.
  await deliverUntil("the second notification", { ...msg, token: undefined }, () =>
    page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).some((n) => n.body === "Ship it?")),
  );
  await page.evaluate(({ tag }) => navigator.serviceWorker.controller.postMessage({ type: "switchboard-e2e-click", tag, action: "" }), { tag: shown.tag });
  await page.waitForURL(`**/sessions/${agent.id}`);
  // The page has signed in and shows the session (what the tap is for).
  await page.getByTestId("session-name").filter({ hasText: "Push e2e" }).waitFor();
  await agent.end("push e2e done");
});

test("a webhook with an escalation delay is added and changed from the page; its test delivery shows; email says why it is unavailable", async () => {
  // A receiver in this process: the page's "Test" goes through the real server to it.
  const got = [];
  const receiver = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      got.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  const hook = `http://127.0.0.1:${receiver.address().port}/hook`;
  try {
    await page.goto("/notifications");
    const add = page.getByTestId("add-webhook");
    await add.getByLabel("URL").fill(hook);
    await add.getByLabel("Send").selectOption({ label: "After 10 minutes" });
    await add.getByRole("button", { name: "Add" }).click();
    await add.getByText("Signing secret, shown once").waitFor();
    const row = page.getByTestId("channel-row").filter({ hasText: hook.replace(/^http:\/\//, "") });
    await row.getByText("Questions and approvals after 10 minutes, if still open").waitFor();
    let mine = (await notify.listChannels({})).channels.find((c) => c.url === hook);
    assert.equal(Number(mine.escalateAfter.seconds), 600);

    // Changed in the row: at once.
    await row.getByLabel("Escalate").selectOption({ label: "At once" });
    await row.getByText("Questions and approvals after 10 minutes").waitFor({ state: "detached" });
    mine = (await notify.listChannels({})).channels.find((c) => c.url === hook);
    assert.equal(Number(mine.escalateAfter?.seconds ?? 0n), 0);

    // Test: the receiver gets it and the row's deliveries say Sent.
    await row.getByRole("button", { name: "Test" }).click();
    await until("the test delivery", () => got.some((b) => b.event === "test"));
    await row.getByRole("button", { name: "Deliveries" }).click();
    await row.getByTestId("deliveries").getByText("Sent").first().waitFor();
    await page.screenshot({ path: join(artifacts, "notifications-channels.png") });

    // This server has no SMTP relay: the email form says so, in words a person can act on.
    const email = page.getByTestId("add-email");
    await email.getByRole("button", { name: "Add email" }).click();
    await email.getByRole("alert").getByText("notify.smtp").waitFor();
    await notify.deleteChannel({ channelId: mine.id });
  } finally {
    receiver.close();
  }
});
