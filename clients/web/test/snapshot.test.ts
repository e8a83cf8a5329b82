import { describe, expect, it } from "vitest";
import { SessionSchema, SessionStatus, create } from "@switchboard/client/web";
import { newerSession } from "../src/snapshot";

const session = (lastSeq: number, status: SessionStatus, name = "run") =>
  create(SessionSchema, { id: "s1", name, status, lastSeq: BigInt(lastSeq) });

describe("newerSession", () => {
  it("keeps what the feed showed when a stop's answer arrives after the agent's exit", () => {
    // The feed delivered STOPPING (seq 7) and STOPPED (seq 8); StopSession answers with seq 7.
    const shown = session(8, SessionStatus.STOPPED);
    const kept = newerSession(shown, session(7, SessionStatus.STOPPING));
    expect(kept.status).toBe(SessionStatus.STOPPED);
    expect(kept.lastSeq).toBe(8n);
  });

  it("takes the name from an older answer: renames are not in the feed", () => {
    const kept = newerSession(session(8, SessionStatus.ACTIVE), session(7, SessionStatus.ACTIVE, "renamed"));
    expect(kept.name).toBe("renamed");
    expect(kept.lastSeq).toBe(8n);
  });

  it("takes an answer as new as the page or newer, and any first answer", () => {
    const newer = session(9, SessionStatus.STOPPING);
    expect(newerSession(session(8, SessionStatus.ACTIVE), newer)).toBe(newer);
    const same = session(8, SessionStatus.STOPPING);
    expect(newerSession(session(8, SessionStatus.ACTIVE), same)).toBe(same);
    expect(newerSession(null, newer)).toBe(newer);
  });
});
