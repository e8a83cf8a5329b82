// Web push on this device: the service worker (public/sw.js) and its push subscription, added
// to the server as a CHANNEL_KIND_WEB_PUSH channel with the server's VAPID key.
import { NotificationEvent, type Channel } from "@switchboard/client/web";
import { notifyApi } from "./api";

export function pushSupported(): boolean {
  return typeof navigator !== "undefined" && "serviceWorker" in navigator && typeof window !== "undefined" && "PushManager" in window && "Notification" in window;
}

/** Registers the dashboard's service worker (called once at start; harmless when unsupported). */
export function registerServiceWorker(): void {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((e) => console.warn("service worker not registered:", e));
}

/** base64url (no padding) → bytes, as applicationServerKey takes them. */
export function fromBase64Url(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

/** A short name for this device ("Chrome on Android"), the channel's label. */
export function deviceLabel(ua = navigator.userAgent): string {
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Mac OS X/.test(ua) ? "macOS" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
  return os ? `${browser} on ${os}` : browser;
}

/** The events a new device channel receives. */
export const defaultPushEvents = [NotificationEvent.QUESTION_ASKED, NotificationEvent.APPROVAL_REQUESTED, NotificationEvent.DEADLINE_NEAR, NotificationEvent.SESSION_FAILED];

/** This device's push subscription, if any. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  const reg = await navigator.serviceWorker.getRegistration("/");
  return (await reg?.pushManager.getSubscription()) ?? null;
}

/**
 * Asks for permission (call from a click), subscribes with the server's VAPID key (re-subscribing
 * when an old subscription used another key) and adds it as a channel.
 */
export async function enablePush(events = defaultPushEvents): Promise<Channel | undefined> {
  if (!pushSupported()) throw new Error("This browser cannot receive web push. On iPhone, add Switchboard to the home screen first.");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new Error("Notifications are blocked for this site: allow them in the browser's site settings.");
  const { applicationServerKey } = await notifyApi.getPushConfig({});
  const key = fromBase64Url(applicationServerKey);
  const reg = await navigator.serviceWorker.ready;
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options.applicationServerKey, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const json = sub.toJSON();
  const res = await notifyApi.addPushSubscription({
    endpoint: json.endpoint ?? sub.endpoint,
    p256dh: json.keys?.p256dh ?? "",
    auth: json.keys?.auth ?? "",
    events,
    label: deviceLabel(),
  });
  return res.channel;
}

/** Stops push on this device: unsubscribes and deletes its channel. */
export async function disablePush(channel: Channel | undefined): Promise<void> {
  const sub = await currentSubscription();
  await sub?.unsubscribe();
  if (channel) await notifyApi.deleteChannel({ channelId: channel.id });
}
