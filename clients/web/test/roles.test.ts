import { describe, expect, it } from "vitest";
import { ProjectRole, create, ProjectSchema } from "@switchboard/client/web";
import { SHARED, canEdit, isAdmin, pickProject, sessionRole } from "../src/roles";

const personal = create(ProjectSchema, { id: "me", name: "Me", personal: true, role: ProjectRole.ADMIN });
const team = create(ProjectSchema, { id: "team", name: "Team", role: ProjectRole.VIEW });

describe("roles", () => {
  it("each role includes the ones before it", () => {
    expect([ProjectRole.VIEW, ProjectRole.EDIT, ProjectRole.ADMIN].map(canEdit)).toEqual([false, true, true]);
    expect([ProjectRole.VIEW, ProjectRole.EDIT, ProjectRole.ADMIN].map(isAdmin)).toEqual([false, false, true]);
  });

  it("a session's role is my role in its project; a shared session is not an admin's", () => {
    expect(sessionRole([personal, team], "team")).toEqual({ role: ProjectRole.VIEW, shared: false });
    const shared = sessionRole([personal, team], "elsewhere");
    expect(shared.shared).toBe(true);
    expect(isAdmin(shared.role)).toBe(false);
  });

  it("the server's caller role wins: a read share is view only, a write share may edit", () => {
    expect(sessionRole([personal], "elsewhere")).toEqual({ role: ProjectRole.VIEW, shared: true });
    expect(sessionRole([personal], "elsewhere", ProjectRole.VIEW)).toEqual({ role: ProjectRole.VIEW, shared: true });
    expect(canEdit(sessionRole([personal], "elsewhere", ProjectRole.EDIT).role)).toBe(true);
    expect(sessionRole([personal, team], "team", ProjectRole.EDIT)).toEqual({ role: ProjectRole.EDIT, shared: false });
  });

  it("picks the remembered project while I am a member, else my personal one", () => {
    expect(pickProject([personal, team], "team")).toBe("team");
    expect(pickProject([personal, team], "gone")).toBe("me");
    expect(pickProject([team, personal], null)).toBe("me");
    expect(pickProject([personal], SHARED)).toBe(SHARED);
  });
});
