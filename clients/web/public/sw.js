// The dashboard's service worker: shows Switchboard's web pushes and answers from them.
//
// A push carries JSON (server/notify/push.rs `message`): title, body, url, session_id, tag,
// urgency, actions ([{action, title, answer}]) and, when the server could mint one, a
// single-use action token. Tapping an action POSTs its `answer` as JSON to /act/<token> on this
// origin (no sign-in needed: the token is bound to the person and the question); tapping the
// notification itself, or an action without a token, opens (or focuses) the session's page.
// Served from / so its scope is the whole dashboard; plain script, no build step, no imports.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function parse(event) {
  if (!event.data) return null;
  try {
    return event.data.json();
  } catch {
    return { title: "Switchboard", body: event.data.text() };
  }
}

/** What showNotification gets for a push message. */
function notificationFor(msg) {
  const actions = Array.isArray(msg.actions) ? msg.actions : [];
  return {
    title: msg.title || "Switchboard",
    options: {
      body: msg.body || "",
      tag: msg.tag || undefined,
      // A newer push of the same session replaces the older one; let it ring again.
      renotify: Boolean(msg.tag),
      // What blocks an agent stays until the person acts on it.
      requireInteraction: msg.urgency === "high",
      icon: "/icon-192.png",
      badge: "/icon-192.png",
      timestamp: Date.now(),
      actions: actions.slice(0, self.Notification?.maxActions ?? 2).map((a) => ({ action: a.action, title: a.title })),
      data: msg,
    },
  };
}

/**
 * Tokens of questions answered from a notification of this worker. Web Push delivers at least
 * once: a late duplicate of a push already acted on must not bring the question back over the
 * "Sent" confirmation (seen in the e2e test, whose redelivered push arrived after the tap).
 * In memory: duplicates come within seconds, and a worker restarted since shows it again, which
 * is what a push with no memory of the tap would do.
 */
const actedOn = new Set();

self.addEventListener("push", (event) => {
  const msg = parse(event);
  if (!msg) return;
  if (msg.token && actedOn.has(msg.token)) return;
  const { title, options } = notificationFor(msg);
  event.waitUntil(self.registration.showNotification(title, options));
});

/** The session's page on this origin (the push's url may name another public address). */
function pageFor(msg) {
  if (msg && msg.session_id) return new URL(`/sessions/${encodeURIComponent(msg.session_id)}`, self.location.origin).href;
  return new URL("/", self.location.origin).href;
}

async function openPage(href) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  // focus() and openWindow() need the click's user activation; without it (a click handled
  // late), still navigate.
  const focus = (w) => w.focus().catch(() => w);
  const open = windows.find((w) => w.url === href);
  if (open) return focus(open);
  const any = windows.find((w) => "navigate" in w);
  if (any) {
    await focus(any);
    return any.navigate(href);
  }
  return self.clients.openWindow(href);
}

/** Posts an action's answer with the push's token; returns the server's {status, message}. */
async function answer(msg, chosen) {
  const res = await fetch(new URL(`/act/${encodeURIComponent(msg.token)}`, self.location.origin), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(chosen.answer),
    credentials: "omit",
  });
  let body = {};
  try {
    body = await res.json();
  } catch {
    /* a proxy's error page */
  }
  return { ok: res.ok, status: body.status || String(res.status), message: body.message || "" };
}

async function onClick(notification, action) {
  const msg = notification.data || {};
  notification.close();
  const chosen = action && Array.isArray(msg.actions) ? msg.actions.find((a) => a.action === action) : null;
  if (!chosen || !msg.token) return openPage(pageFor(msg));
  actedOn.add(msg.token);
  let result;
  try {
    result = await answer(msg, chosen);
  } catch {
    result = { ok: false, status: "offline", message: "Switchboard could not be reached." };
  }
  // Say what happened in the same place: the person may not open the app at all.
  const done = result.ok ? `Sent: ${chosen.title}` : result.message || `Not sent (${result.status})`;
  await self.registration.showNotification(msg.title || "Switchboard", {
    body: done,
    tag: msg.tag || undefined,
    icon: "/icon-192.png",
    data: { session_id: msg.session_id, result },
  });
  return result;
}

/** base64url without padding, as PushSubscription.toJSON() spells keys. */
function b64url(buffer) {
  return btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

// The push service replaced the subscription (expiry, key rotation; Firefox and Safari fire
// this, Chromium does not yet): subscribe again with the same server key if the browser did not,
// and tell the server, proving with the old subscription's auth secret that this is its browser
// (a worker holds no sign-in). Without this the device would silently stop getting pushes.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    (async () => {
      const old = event.oldSubscription;
      if (!old) return;
      const next =
        event.newSubscription ?? (await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: old.options.applicationServerKey }));
      const keys = next.toJSON().keys;
      await fetch("/push/renew", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ old_endpoint: old.endpoint, old_auth: b64url(old.getKey("auth")), endpoint: next.endpoint, p256dh: keys.p256dh, auth: keys.auth }),
      });
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(onClick(event.notification, event.action));
});

// Test hook, and the only one: headless Chromium cannot click an OS notification, so the e2e test
// (clients/web/e2e/push.test.mjs) asks the worker to run the very handler a click runs, on a
// notification it showed, by posting {type: "switchboard-e2e-click", tag, action}. It acts on
// notifications this worker showed only, with exactly a click's effect (which a page of this
// origin could cause anyway: it can read the notification's data and POST it itself).
self.addEventListener("message", (event) => {
  const m = event.data;
  if (!m || m.type !== "switchboard-e2e-click" || typeof m.tag !== "string") return;
  event.waitUntil(
    self.registration.getNotifications({ tag: m.tag }).then(([n]) => n && onClick(n, typeof m.action === "string" ? m.action : "")),
  );
});
