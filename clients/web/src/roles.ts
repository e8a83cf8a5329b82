// What a role may do in the UI (pure, unit-tested). The server enforces every rule; the page only
// hides what would be refused, so a person is not offered buttons that cannot work.
import { ProjectRole, type Project } from "@switchboard/client/web";

/** The pseudo-project of the switcher that lists sessions other projects shared with me. */
export const SHARED = "shared";

/**
 * My role for a session of project `projectId`: my role in that project, or, for a session shared
 * with me from elsewhere, EDIT — the API does not tell a share's access to the person it is shared
 * with, so write controls stay visible and the server answers PERMISSION_DENIED for a read share.
 */
export function sessionRole(projects: readonly Project[], projectId: string): { role: ProjectRole; shared: boolean } {
  const p = projects.find((x) => x.id === projectId);
  return p ? { role: p.role, shared: false } : { role: ProjectRole.EDIT, shared: true };
}

/** Answer, approve, message, stop, rename. */
export function canEdit(role: ProjectRole): boolean {
  return role >= ProjectRole.EDIT;
}

/** Keys, members, invitations, shares, deletes. */
export function isAdmin(role: ProjectRole): boolean {
  return role === ProjectRole.ADMIN;
}

export const roleLabels: Record<number, string> = {
  [ProjectRole.VIEW]: "View",
  [ProjectRole.EDIT]: "Edit",
  [ProjectRole.ADMIN]: "Admin",
};

export function roleLabel(role: ProjectRole): string {
  return roleLabels[role] ?? "None";
}

/** The project to show after sign-in: the remembered one if I am still a member, else my personal one. */
export function pickProject(projects: readonly Project[], remembered: string | null): string {
  if (remembered === SHARED) return SHARED;
  if (remembered && projects.some((p) => p.id === remembered)) return remembered;
  return projects.find((p) => p.personal)?.id ?? projects[0]?.id ?? "";
}
