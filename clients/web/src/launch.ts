// Launching sessions from the dashboard: turning the New session form into a LaunchSession
// request, and saying why a session stopped. Pure functions (unit-tested); the pages call them.
import {
  AgentKind,
  StopReason,
  create,
  durationFromMs,
  LaunchSessionRequestSchema,
  type LaunchSessionRequest,
  type Session,
} from "@switchboard/client/web";

/** What the New session form holds (strings as typed; minutes as text). */
export interface LaunchForm {
  projectId: string;
  runnerId: string; // "" = any runner of the project
  agent: AgentKind;
  sessionName: string;
  prompt: string;
  command: string; // COMMAND agents: a command line
  repoUrl: string;
  repoBranch: string;
  hardLimitMinutes: string;
  inactivityMinutes: string;
  startDeadlineMinutes: string;
}

export const agentChoices: { value: AgentKind; label: string }[] = [
  { value: AgentKind.CLAUDE_CODE, label: "Claude Code" },
  { value: AgentKind.CODEX, label: "Codex" },
  { value: AgentKind.COMMAND, label: "Command" },
];

/**
 * Splits a command line into arguments the way a shell would for the simple cases: whitespace
 * separates, single quotes keep everything, double quotes keep everything but `\"` and `\\`.
 * Returns an error message for an unterminated quote.
 */
export function splitCommand(line: string): string[] | string {
  const args: string[] = [];
  let cur = "";
  let inArg = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inArg = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inArg = true;
    } else if (/\s/.test(c)) {
      if (inArg) args.push(cur);
      cur = "";
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (quote) return `the command has an unterminated ${quote === "'" ? "single" : "double"} quote`;
  if (inArg) args.push(cur);
  return args;
}

/** Minutes as typed ("" = not set) to milliseconds, or an error naming the field. */
function minutes(text: string, field: string): number | undefined | string {
  const t = text.trim();
  if (!t) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) return `${field} must be a positive number of minutes`;
  return Math.round(n * 60_000);
}

/**
 * The LaunchSession request for a filled form, or the first problem a person can fix (the server
 * validates again and names the field; this only saves a round trip for the obvious ones).
 */
export function launchRequest(form: LaunchForm, requestId: string): LaunchSessionRequest | string {
  const command = form.agent === AgentKind.COMMAND ? splitCommand(form.command) : [];
  if (typeof command === "string") return command;
  if (form.agent === AgentKind.COMMAND && command.length === 0) return "A command agent needs a command to run";
  if (form.agent !== AgentKind.COMMAND && !form.prompt.trim()) return "Tell the agent what to do: the prompt is empty";
  const limits: Record<string, number | undefined> = {};
  for (const [key, text, label] of [
    ["hardLimit", form.hardLimitMinutes, "The time limit"],
    ["inactivityTimeout", form.inactivityMinutes, "The inactivity limit"],
    ["startDeadline", form.startDeadlineMinutes, "The start deadline"],
  ] as const) {
    const ms = minutes(text, label);
    if (typeof ms === "string") return ms;
    limits[key] = ms;
  }
  const repoUrl = form.repoUrl.trim();
  return create(LaunchSessionRequestSchema, {
    projectId: form.projectId,
    requestId,
    runner: form.runnerId ? { runnerId: form.runnerId } : undefined,
    spec: {
      agent: form.agent,
      prompt: form.prompt.trim(),
      command,
      sessionName: form.sessionName.trim(),
      repositories: repoUrl ? [{ url: repoUrl, branch: form.repoBranch.trim() }] : [],
      limits: {
        hardLimit: limits.hardLimit === undefined ? undefined : durationFromMs(limits.hardLimit),
        inactivityTimeout: limits.inactivityTimeout === undefined ? undefined : durationFromMs(limits.inactivityTimeout),
        startDeadline: limits.startDeadline === undefined ? undefined : durationFromMs(limits.startDeadline),
      },
    },
  });
}

const reasons: Record<number, string> = {
  [StopReason.BY_PERSON]: "Stopped by a person",
  [StopReason.BY_AGENT]: "Ended by the agent",
  [StopReason.INACTIVITY]: "Stopped after its inactivity limit",
  [StopReason.HARD_LIMIT]: "Stopped at its time limit",
  [StopReason.START_DEADLINE]: "No runner started it before its start deadline",
  [StopReason.RUNNER_LOST]: "Its runner was lost",
  [StopReason.AGENT_EXITED]: "The agent process exited",
  [StopReason.START_FAILED]: "Its workload could not start (the reason is below)",
};

/** Why a session stopped, in words ("" while it runs or when nothing is known). */
export function stopReasonText(s: Pick<Session, "stopReason" | "exitCode">): string {
  const base = reasons[s.stopReason] ?? "";
  if (!base) return "";
  return s.exitCode !== undefined && s.stopReason === StopReason.AGENT_EXITED ? `${base} with code ${s.exitCode}` : base;
}
