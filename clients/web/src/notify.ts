// Browser notifications for questions that arrive while the tab is hidden.
import { navigate } from "./router";

const askedKey = "switchboard.notify.asked";

export function notificationsSupported(): boolean {
  return typeof window !== "undefined" && "Notification" in window;
}

/** Whether to show the polite "enable notifications" prompt (only once, only if undecided). */
export function shouldOfferNotifications(): boolean {
  return notificationsSupported() && Notification.permission === "default" && localStorage.getItem(askedKey) !== "1";
}

export function dismissNotificationOffer(): void {
  localStorage.setItem(askedKey, "1");
}

/** Must be called from a click handler. */
export async function requestNotifications(): Promise<NotificationPermission> {
  dismissNotificationOffer();
  if (!notificationsSupported()) return "denied";
  return await Notification.requestPermission();
}

export function notifyQuestion(sessionId: string, agentName: string, sessionName: string, text: string): void {
  if (!notificationsSupported() || Notification.permission !== "granted" || !document.hidden) return;
  try {
    const n = new Notification(`${agentName} needs your input`, {
      body: text || sessionName,
      tag: `question-${sessionId}`,
      icon: "/favicon.svg",
    });
    n.onclick = () => {
      window.focus();
      navigate(`/sessions/${sessionId}`);
      n.close();
    };
  } catch {
    /* some browsers only allow notifications from a service worker */
  }
}
