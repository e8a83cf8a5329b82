import { describe, expect, it } from "vitest";
import { AgentKind, StopReason, durationMs } from "@switchboard/client/web";
import { launchRequest, splitCommand, stopReasonText, type LaunchForm } from "../src/launch";

const form = (over: Partial<LaunchForm> = {}): LaunchForm => ({
  projectId: "p1",
  runnerId: "",
  agent: AgentKind.CLAUDE_CODE,
  sessionName: "",
  prompt: "fix the build",
  command: "",
  repoUrl: "",
  repoBranch: "",
  hardLimitMinutes: "",
  inactivityMinutes: "",
  startDeadlineMinutes: "",
  ...over,
});

describe("splitCommand", () => {
  it("splits like a shell for the simple cases", () => {
    expect(splitCommand(`python3 agent.py --name "my bot" 'a b' c\\ d ""`)).toEqual(["python3", "agent.py", "--name", "my bot", "a b", "c d", ""]);
    expect(splitCommand(`  echo  "say \\"hi\\""  `)).toEqual(["echo", `say "hi"`]);
    expect(splitCommand("")).toEqual([]);
  });
  it("names an unterminated quote", () => {
    expect(splitCommand(`echo "oops`)).toMatch(/unterminated double quote/);
    expect(splitCommand(`echo 'oops`)).toMatch(/unterminated single quote/);
  });
});

describe("launchRequest", () => {
  it("builds the spec with limits in minutes and an optional repository and runner", () => {
    const req = launchRequest(form({ runnerId: "r1", repoUrl: " https://git.example/x.git ", repoBranch: "main", hardLimitMinutes: "90", inactivityMinutes: "0.5" }), "rid");
    if (typeof req === "string") throw new Error(req);
    expect(req.requestId).toBe("rid");
    expect(req.runner?.runnerId).toBe("r1");
    expect(req.spec?.repositories.map((r) => [r.url, r.branch])).toEqual([["https://git.example/x.git", "main"]]);
    expect(durationMs(req.spec!.limits!.hardLimit!)).toBe(90 * 60_000);
    expect(durationMs(req.spec!.limits!.inactivityTimeout!)).toBe(30_000);
    expect(req.spec!.limits!.startDeadline).toBeUndefined();
    expect(req.spec!.command).toEqual([]);
  });
  it("any runner leaves the selector out; a command agent needs a command", () => {
    const req = launchRequest(form({ agent: AgentKind.COMMAND, prompt: "", command: "./run.sh --fast" }), "rid");
    if (typeof req === "string") throw new Error(req);
    expect(req.runner).toBeUndefined();
    expect(req.spec?.command).toEqual(["./run.sh", "--fast"]);
    expect(launchRequest(form({ agent: AgentKind.COMMAND, command: "  " }), "r")).toMatch(/needs a command/);
  });
  it("refuses what a person can fix before a round trip", () => {
    expect(launchRequest(form({ prompt: " " }), "r")).toMatch(/prompt is empty/);
    expect(launchRequest(form({ hardLimitMinutes: "-3" }), "r")).toMatch(/time limit must be a positive/);
    expect(launchRequest(form({ startDeadlineMinutes: "soon" }), "r")).toMatch(/start deadline/);
  });
});

describe("stopReasonText", () => {
  it("says why, with the exit code of an exited agent", () => {
    expect(stopReasonText({ stopReason: StopReason.AGENT_EXITED, exitCode: 3 })).toBe("The agent process exited with code 3");
    expect(stopReasonText({ stopReason: StopReason.HARD_LIMIT, exitCode: undefined })).toMatch(/time limit/);
    expect(stopReasonText({ stopReason: StopReason.UNSPECIFIED, exitCode: undefined })).toBe("");
  });
});
