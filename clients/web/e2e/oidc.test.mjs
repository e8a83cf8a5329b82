// OIDC sign-in end to end in Chromium: a real OpenID Connect provider (tests/oidc/provider.mjs,
// the certified oidc-provider package) and a Switchboard server configured with it as an issuer
// (started here: the issuer is configuration, and the provider must know the server's callback).
// Sign in through the provider's login page, the dashboard loads, a reload stays signed in
// through the HttpOnly cookie (nothing of the refresh token in localStorage), sign out clears
// the cookie and its token is refused afterwards.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const bin = process.env.SWITCHBOARD_BIN ?? join(root, "target/debug/switchboard");

let browser;
let page;
let provider;
let server;
let serverUrl;
let dir;

/** Resolves with the first line of `child`'s stdout matching `re` (its first group). */
function lineOf(child, re, what) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`${what}: no line matching ${re} in 60 s`)), 60_000);
    lines.on("line", (l) => {
      const m = re.exec(l);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`${what} exited (${code})`)));
  });
}

before(async () => {
  const providerDir = join(root, "tests/oidc");
  if (!existsSync(join(providerDir, "node_modules/oidc-provider"))) {
    throw new Error("the OIDC provider needs its npm package: run tests/oidc/setup.sh");
  }
  provider = spawn("node", [join(providerDir, "provider.mjs")], { cwd: providerDir, stdio: ["pipe", "pipe", "ignore"] });
  const port = await lineOf(provider, /^port (\d+)$/, "the OIDC provider");
  const issuer = `http://localhost:${port}`;
  const secret = `e2e-${Math.random().toString(36).slice(2)}-${Date.now()}`;

  dir = mkdtempSync(join(tmpdir(), "switchboard-oidc-e2e-"));
  chmodSync(dir, 0o711); // the embedded Postgres runs as `postgres` when we are root
  writeFileSync(
    join(dir, "config.toml"),
    `listen = "127.0.0.1:0"
data_dir = ${JSON.stringify(join(dir, "data"))}
web_dir = ${JSON.stringify(process.env.SWITCHBOARD__WEB_DIR ?? join(root, "clients/web/dist"))}
log_format = "compact"

[oidc.issuers.test]
issuer = "${issuer}"
client_id = "switchboard-e2e"
client_secret = "${secret}"
display_name = "Test IdP"
allowed_domains = ["example.com"]
`,
  );
  // Only this file configures the server (not the variables of the with-server run around us).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SWITCHBOARD__")));
  server = spawn(bin, ["--config", join(dir, "config.toml"), "serve"], { env, stdio: ["ignore", "pipe", "ignore"] });
  serverUrl = await lineOf(server, /^switchboard listening on (http:\/\/\S+)/, "the server");

  provider.stdin.write(
    JSON.stringify({
      clients: [{ client_id: "switchboard-e2e", client_secret: secret, redirect_uris: [`${serverUrl}/auth/oidc/test/callback`] }],
    }) + "\n",
  );
  assert.equal(await lineOf(provider, /^ready (\S+)$/, "the OIDC provider"), issuer);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: serverUrl });
  context.setDefaultTimeout(15000);
  page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  provider?.stdin.end();
  provider?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const refreshCookie = async () => (await page.context().cookies()).find((c) => c.name === "sb_refresh");

test("OIDC sign-in in Chromium: provider login, dashboard, reload through the cookie, sign out", async (t) => {
  await t.test("the login page offers the provider; its login page signs in", async () => {
    await page.goto("/");
    await page.getByRole("link", { name: "Sign in with Test IdP" }).click();
    await page.getByRole("heading", { name: "Test identity provider" }).waitFor();
    await page.getByLabel("Email").fill("oidc-person@example.com");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Sessions", exact: true }).waitFor();
    assert.equal(new URL(page.url()).search, "", "the sign-in marker is taken off the address");
    await page.getByTitle("oidc-person@example.com").waitFor();
  });

  await t.test("a reload stays signed in through the HttpOnly cookie; localStorage holds no token", async () => {
    const cookie = await refreshCookie();
    assert.ok(cookie, "the refresh token is a cookie");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.equal(cookie.path, "/auth/session");
    await page.reload();
    await page.getByRole("heading", { name: "Sessions", exact: true }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    const stored = await page.evaluate(() => localStorage.getItem("switchboard.auth"));
    assert.ok(stored, "the user is remembered for the tabs");
    assert.doesNotMatch(stored, /sb_refresh_|refreshToken|accessToken/);
    assert.notEqual((await refreshCookie()).value, cookie.value, "the reload rotated the cookie");
  });

  await t.test("sign out clears the cookie and the token is refused afterwards", async () => {
    const saved = await refreshCookie();
    const loggedOut = page.waitForResponse((r) => r.url().endsWith("/auth/session/logout"));
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
    assert.equal((await loggedOut).status(), 200);
    assert.equal(await refreshCookie(), undefined, "the cookie is cleared");
    await page.context().addCookies([saved]);
    const status = await page.evaluate(async () => {
      const r = await fetch("/auth/session/refresh", { method: "POST", headers: { "x-switchboard-csrf": "1" } });
      return r.status;
    });
    assert.equal(status, 401, "the revoked token is refused");
    await page.reload();
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
  });

  await t.test("an email of another domain gets a page saying why", async () => {
    await page.context().clearCookies();
    await page.goto("/");
    await page.getByRole("link", { name: "Sign in with Test IdP" }).click();
    await page.getByLabel("Email").fill("someone@other.test");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Sign-in failed" }).waitFor();
    assert.match(await page.locator("#reason").innerText(), /only example\.com addresses may/);
    await page.getByRole("link", { name: "Back to sign-in" }).click();
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
  });
});
