// Invite links: `<origin>/#/invite/<token>`. The token rides in the fragment so that it never
// reaches a server log or a Referer header. It is kept in this tab's sessionStorage until the
// person, signed in, accepts or dismisses it (so signing in first does not lose it).
const key = "switchboard.invite";

export function inviteLink(token: string): string {
  return `${window.location.origin}/#/invite/${encodeURIComponent(token)}`;
}

/** Moves a token from the URL fragment into sessionStorage; returns whether there is one waiting. */
export function captureInviteToken(): boolean {
  const m = /^#\/invite\/([^/?#]+)$/.exec(window.location.hash);
  if (m) {
    sessionStorage.setItem(key, decodeURIComponent(m[1]));
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return !!sessionStorage.getItem(key);
}

export function pendingInviteToken(): string | null {
  return sessionStorage.getItem(key);
}

export function clearInviteToken(): void {
  sessionStorage.removeItem(key);
}
