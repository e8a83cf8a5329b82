// The projects I belong to, the one I am looking at (remembered per person in localStorage), and
// the invitations waiting for me. The chosen project drives the session list, the inbox watch and
// the keys, members and audit pages.
import { ProjectRole, type Invitation, type Project } from "@switchboard/client/web";
import { auth, errorText, projectApi } from "./api";
import { Store } from "./store";
import { SHARED, pickProject } from "./roles";

const rememberKey = () => `switchboard.project.${auth.user?.id ?? ""}`;

export class Projects extends Store {
  list: Project[] = [];
  invitations: Invitation[] = [];
  /** A project id, or SHARED for the sessions shared with me. */
  currentId = "";
  loaded = false;
  error = "";

  get current(): Project | undefined {
    return this.list.find((p) => p.id === this.currentId);
  }

  /** My role in the current project (VIEW for the shared list: reading is all it offers there). */
  get role(): ProjectRole {
    return this.current?.role ?? ProjectRole.VIEW;
  }

  get shared(): boolean {
    return this.currentId === SHARED;
  }

  /** The project_id for list and watch calls ("" = personal, and for the shared list). */
  get scopeId(): string {
    return this.shared ? "" : this.currentId;
  }

  async load(): Promise<void> {
    try {
      const [p, inv] = await Promise.all([projectApi.listProjects({}), projectApi.listMyInvitations({})]);
      this.list = p.projects;
      this.invitations = inv.invitations;
      const next = pickProject(this.list, this.currentId || localStorage.getItem(rememberKey()));
      if (next !== this.currentId) this.select(next);
      this.error = "";
    } catch (e) {
      this.error = errorText(e);
    }
    this.loaded = true;
    this.changed();
  }

  select(id: string): void {
    if (id === this.currentId) return;
    this.currentId = id;
    localStorage.setItem(rememberKey(), id);
    selectListeners.forEach((f) => f(id));
    this.changed();
  }

  async create(name: string): Promise<Project> {
    const res = await projectApi.createProject({ name });
    await this.load();
    this.select(res.project!.id);
    return res.project!;
  }

  async accept(req: { invitationId?: string; token?: string }): Promise<Project> {
    const res = await projectApi.acceptInvitation(req);
    await this.load();
    this.select(res.project!.id);
    return res.project!;
  }

  async decline(invitationId: string): Promise<void> {
    await projectApi.declineInvitation({ invitationId });
    await this.load();
  }

  /** After leaving or deleting the current project, or losing access to it. */
  async forgetCurrent(): Promise<void> {
    this.currentId = "";
    localStorage.removeItem(rememberKey());
    await this.load();
  }
}

const selectListeners = new Set<(id: string) => void>();

/** Called with the new id whenever the chosen project changes (the inbox restarts on it). */
export function onProjectSelect(fn: (id: string) => void): () => void {
  selectListeners.add(fn);
  return () => void selectListeners.delete(fn);
}

let current: Projects | null = null;

export function projects(): Projects {
  if (!current) {
    current = new Projects();
    void current.load();
  }
  return current;
}

// Roles and invitations change elsewhere (an admin in another browser): read them again whenever
// the tab comes back into view, so the controls shown follow the role without a reload.
if (typeof document !== "undefined") {
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && current && auth.signedIn) void current.load();
  });
}

export function resetProjects(): void {
  current = null;
}
