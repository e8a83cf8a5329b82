// The real OpenID Connect provider the OIDC tests sign in with: the certified `oidc-provider`
// package, configured for the tests and nothing else.
//
//   node tests/oidc/provider.mjs
//
// It listens on a free port of 127.0.0.1 and prints `port <n>`. The caller then writes one JSON
// line on stdin, `{"clients": [{client_id, client_secret, redirect_uris}]}` (the redirect URIs
// name the Switchboard server, whose port is only known once it has started), and the provider
// answers `ready <issuer>`. It stops when stdin closes. With `"email_in_id_token": false` the ID
// token carries only `sub` and the email is served by the userinfo endpoint (as some issuers do).
//
// Accounts: any email signs in (the login page has one field). The subject is the email as
// typed (so `Ada@x` and `ada@x` are two accounts of one email); the claims are `email`
// (lower-cased), `name` and `email_verified`, which is false for emails starting with `unverified`.
import http from "node:http";
import readline from "node:readline";
import Provider from "oidc-provider";

const rl = readline.createInterface({ input: process.stdin });
let provider = null;

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

// The login page: one email field. A plain form, so that the Rust tests can post it as a
// browser would and Chromium can fill it in.
async function interaction(req, res, url) {
  const [, , uid, action] = url.pathname.split("/");
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  if (req.method === "POST" && action === "login") {
    const email = (await readForm(req)).get("email")?.trim();
    if (!email) {
      res.writeHead(400, { "content-type": "text/plain" }).end("email is required");
      return;
    }
    // Grant the requested scopes at once: the tests do not exercise the consent page.
    const grant = new provider.Grant({ accountId: email, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: email }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(`<!doctype html><html><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Email <input type="email" name="email" required autofocus></label>
<button type="submit">Continue</button>
</form></body></html>`);
}

const server = http.createServer(async (req, res) => {
  if (!provider) {
    res.writeHead(503).end("not configured yet");
    return;
  }
  const url = new URL(req.url, "http://localhost");
  if (url.pathname.startsWith("/interaction/")) {
    try {
      await interaction(req, res, url);
    } catch (e) {
      console.error(e);
      if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain" });
      res.end(`interaction failed: ${e.message}`);
    }
    return;
  }
  provider.callback()(req, res);
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`port ${server.address().port}\n`);
});

rl.once("line", (line) => {
  const { clients, email_in_id_token: emailInIdToken = true } = JSON.parse(line);
  const issuer = `http://localhost:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      ...c,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    })),
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: id.toLowerCase(),
            email_verified: !id.startsWith("unverified"),
            name: `Test ${id.split("@")[0]}`,
          };
        },
      };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Most real providers put the requested claims into the ID token; so does this one, unless
    // told to keep them for userinfo (the OpenID Connect default for the code flow).
    conformIdTokenClaims: !emailInIdToken,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.on("server_error", (_ctx, err) => console.error("server_error", err));
  process.stdout.write(`ready ${issuer}\n`);
});

rl.on("close", () => process.exit(0));
