// What a role may do in the UI (pure, unit-tested). The server enforces every rule; the page only
// hides what would be refused, so a person is not offered buttons that cannot work.
import { ProjectRole, type Project } from "@switchboard/client/web";

/** The pseudo-project of the switcher that lists sessions other projects shared with me. */
export const SHARED = "shared";

/**
 * My role for a session of project `projectId`: GetSession's `callerRole` (the server's answer,
 * which counts a READ share as VIEW and a WRITE share as EDIT) when it is known, else my role in
 * that project, else (a session shared with me, before GetSession answered) VIEW, so no write
 * control shows that the server might refuse.
 */
export function sessionRole(
  projects: readonly Project[],
  projectId: string,
  callerRole: ProjectRole = ProjectRole.UNSPECIFIED,
): { role: ProjectRole; shared: boolean } {
  const p = projects.find((x) => x.id === projectId);
  const role = callerRole !== ProjectRole.UNSPECIFIED ? callerRole : (p?.role ?? ProjectRole.VIEW);
  return { role, shared: !p };
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
