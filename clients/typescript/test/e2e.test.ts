// End-to-end tests against the live server started by scripts/with-server.sh.
// The agent speaks gRPC over HTTP/2; the person (dashboard) speaks gRPC-Web over HTTP/1.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AgentSession,
  ApprovalDecision,
  Code,
  ConnectError,
  SessionStatus,
  StopRequestedError,
  Sender,
  createAgentClient,
  createNodeDashboard,
  startSession,
  watchSession,
  createClient,
  AuthService,
  createNodeGrpcWebTransport,
  type Message,
} from "../src/node.js";

const url = mustEnv("SWITCHBOARD_URL");
const apiKey = mustEnv("SWITCHBOARD_API_KEY");
const email = mustEnv("SWITCHBOARD_EMAIL");
const password = mustEnv("SWITCHBOARD_PASSWORD");

function mustEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through scripts/with-server.sh`);
  return v;
}

/** Collects an async iterator's items in the background; `until` waits for a matching item. */
function collect<T>(it: AsyncIterable<T>) {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  let error: unknown;
  let done = false;
  const run = (async () => {
    try {
      for await (const x of it) {
        items.push(x);
        wake?.();
      }
    } catch (e) {
      error = e;
    } finally {
      done = true;
      wake?.();
    }
  })();
  return {
    items,
    run,
    async until(pred: (x: T) => boolean, what: string, ms = 15_000): Promise<T> {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = items.find(pred);
        if (hit) return hit;
        if (error) throw error;
        if (done) throw new Error(`stream ended before ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, Math.min(left, 250));
        });
      }
    },
  };
}

async function signIn() {
  const d = createNodeDashboard(url, { protocol: "grpc-web" });
  await d.auth.login(email, password);
  return d;
}

test("agent scenario: steps, question answered from the dashboard, user message, end", async () => {
  const { dashboard } = await signIn();
  const agent = await startSession(url, apiKey, { agentName: "ts-e2e", name: "TypeScript e2e", metadata: { lang: "ts" } });
  assert.match(agent.id, /^[0-9a-f-]{36}$/);
  assert.equal(agent.resumed, false);

  const ctl = new AbortController();
  const watch = collect(watchSession(dashboard, agent.id, 0n, { signal: ctl.signal }));
  const agentStream = collect(agent.messages({ signal: ctl.signal }));
  try {
    const s1 = await agent.step("reading the code");
    const s2 = await agent.step("writing the fix");
    assert.ok(s2.seq > s1.seq);

    const asked = await agent.askQuestion("Which database?", {
      options: [
        { id: "pg", label: "PostgreSQL" },
        { id: "sqlite", label: "SQLite" },
      ],
    });
    const questionId = asked.question!.id;
    const waiting = agent.waitForAnswer(questionId, { timeoutMs: 20_000 });

    // The person sees the question live on the gRPC-Web watch and answers it.
    const qm = await watch.until((m) => m.body.case === "question", "the question on WatchSession");
    assert.equal(qm.body.case === "question" && qm.body.value.id, questionId);
    const got = await dashboard.getSession({ sessionId: agent.id });
    assert.equal(got.session!.status, SessionStatus.AWAITING_INPUT);
    assert.deepEqual(got.openQuestions.map((q) => q.id), [questionId]);
    await dashboard.answerQuestion({ sessionId: agent.id, questionId, optionIds: ["pg"] });

    const answer = await waiting;
    assert.deepEqual(answer.optionIds, ["pg"]);
    assert.equal(answer.answeredBy, Sender.USER);

    // Answering again: someone else already answered.
    await assert.rejects(
      dashboard.answerQuestion({ sessionId: agent.id, questionId, optionIds: ["sqlite"] }),
      (e: unknown) => ConnectError.from(e).code === Code.FailedPrecondition,
    );

    // The answer and a user message arrive on the agent's Subscribe stream.
    await agentStream.until((m) => m.body.case === "answer" && m.body.value.questionId === questionId, "the answer on Subscribe");
    await dashboard.sendMessage({ sessionId: agent.id, text: "also update the docs" });
    const um = await agentStream.until((m) => m.body.case === "userMessage", "the user message on Subscribe");
    assert.equal(um.body.case === "userMessage" && um.body.value.text, "also update the docs");
    assert.equal(um.sender, Sender.USER);

    await agent.reportDiff("diff --git a/x.txt b/x.txt\n--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-old\n+new\n");
    await agent.reportUsage({ inputTokens: 1200, outputTokens: 300, costMicros: 4200 });
    const diff = await dashboard.getDiff({ sessionId: agent.id });
    assert.equal(diff.summary?.additions, 1);
    assert.equal(diff.summary?.deletions, 1);

    const ended = await agent.end("fixed it");
    assert.equal(ended.status, SessionStatus.COMPLETED);
    await watch.until(
      (m) => m.body.case === "statusChange" && m.body.value.toStatus === SessionStatus.COMPLETED,
      "COMPLETED on WatchSession",
    );
    // The agent's subscription ends by itself once the session is terminal.
    await agentStream.run;

    // WatchSession through gRPC-Web: every seq from 1, in order, once.
    const seqs = watch.items.map((m: Message) => Number(m.seq));
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
    const listed = await dashboard.listMessages({ sessionId: agent.id });
    assert.deepEqual(listed.messages.map((m) => Number(m.seq)).slice(0, seqs.length), seqs);
  } finally {
    ctl.abort();
    await Promise.allSettled([watch.run, agentStream.run]);
  }
});

test("watchSession resumes after a given seq without duplicates", async () => {
  const { dashboard } = await signIn();
  const agent = await startSession(url, apiKey, { agentName: "ts-e2e" });
  for (const t of ["one", "two", "three"]) await agent.step(t);
  const ctl = new AbortController();
  const w = collect(watchSession(dashboard, agent.id, 1n, { signal: ctl.signal }));
  try {
    await w.until((m) => m.body.case === "step" && m.body.value.text === "three", "third step");
    await agent.step("four");
    await w.until((m) => m.body.case === "step" && m.body.value.text === "four", "live step");
    const seqs = w.items.map((m) => Number(m.seq));
    assert.equal(seqs[0], 2);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 2));
  } finally {
    ctl.abort();
    await w.run;
  }
  await agent.end("done");
});

test("a revoked API key is refused with Code.Unauthenticated", async () => {
  const { dashboard } = await signIn();
  const created = await dashboard.createApiKey({ name: "ts-revoke-test" });
  assert.match(created.secret, /^sb_live_/);
  const client = createAgentClient(url, created.secret);
  const s = await AgentSession.start(client, { agentName: "ts-revoked" });
  await s.step("works while the key is active");
  await dashboard.revokeApiKey({ apiKeyId: created.apiKey!.id });
  await assert.rejects(s.step("after revoke"), (e: unknown) => {
    assert.ok(e instanceof ConnectError);
    assert.equal(e.code, Code.Unauthenticated);
    return true;
  });
});

test("sessionId resumes an existing session; an unknown id is Code.NotFound", async () => {
  const client = createAgentClient(url, apiKey);
  const first = await AgentSession.start(client, { agentName: "ts-resume", name: "to resume" });
  assert.equal(first.resumed, false);
  const before = await first.step("before the restart");
  const again = await AgentSession.start(client, { agentName: "ts-resume", sessionId: first.id });
  assert.equal(again.resumed, true);
  assert.equal(again.id, first.id);
  assert.ok(again.session.lastSeq >= before.seq);
  // Ids are minted by the server only: an unused one (or another user's) is NOT_FOUND.
  const unknown = AgentSession.start(client, { agentName: "ts-resume", sessionId: crypto.randomUUID() });
  await assert.rejects(unknown, (e: unknown) => {
    assert.ok(e instanceof ConnectError);
    assert.equal(e.code, Code.NotFound);
    return true;
  });
  await first.end("done");
});

test("a retried start sends no session id, keeps its request id and gets the first session", async () => {
  const real = createAgentClient(url, apiKey);
  type Req = Parameters<typeof real.startSession>[0];
  const sent: Req[] = [];
  let lostId = "";
  // Sends the first StartSession to the server, then fails as a connection dropped after it
  // answered would.
  const lossy: typeof real = {
    ...real,
    async startSession(req, opts) {
      sent.push(req);
      const res = await real.startSession(req, opts);
      if (sent.length === 1) {
        lostId = res.session!.id;
        throw new ConnectError("connection reset (simulated after the server answered)", Code.Unavailable);
      }
      return res;
    },
  };
  const s = await AgentSession.start(lossy, { agentName: "ts-retry", retry: { initialDelayMs: 10 } });
  assert.equal(sent.length, 2);
  assert.deepEqual(sent.map((r) => r.sessionId ?? ""), ["", ""]);
  assert.equal(sent[0].requestId, sent[1].requestId);
  assert.equal(s.id, lostId);
  assert.equal(s.resumed, true);
  await s.end("done");
});

test("dashboard refuses an API key and the agent API refuses a user token", async () => {
  const { auth } = await signIn();
  const token = await auth.accessToken();
  const asAgent = createAgentClient(url, token);
  await assert.rejects(
    asAgent.startSession({ agentName: "x", requestId: "r1" }),
    (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated,
  );
});

test("ask gives up with StopRequestedError when the person stops the session", async () => {
  const { dashboard } = await signIn();
  const agent = await startSession(url, apiKey, { agentName: "ts-e2e" });
  const ctl = new AbortController();
  const watch = collect(watchSession(dashboard, agent.id, 0n, { signal: ctl.signal }));
  // The server ends the waiting call on the stop: StopRequestedError, not AnswerTimeoutError.
  const waiting = assert.rejects(
    agent.ask("Proceed?", { options: ["Yes", "No"], waitTimeoutMs: 20_000 }),
    (e: unknown) => e instanceof StopRequestedError && e.status === SessionStatus.STOPPING,
  );
  try {
    await watch.until((m) => m.body.case === "question", "the question on WatchSession");
  } finally {
    ctl.abort();
    await watch.run;
  }
  await dashboard.stopSession({ sessionId: agent.id, reason: "enough" });
  await waiting;
  assert.equal(agent.stopRequested, true);
  const ended = await agent.end("stopped as asked");
  assert.equal(ended.status, SessionStatus.STOPPED);
});

test("AuthManager refreshes tokens; a refresh token presented again after the reuse grace signs the person out", async () => {
  const { auth, dashboard } = await signIn();
  const first = await auth.accessToken();
  const stored = (auth as unknown as { state: { refreshToken: string } }).state.refreshToken;
  const renewed = await auth.refresh();
  assert.notEqual(renewed.refreshToken, stored);
  assert.ok(first.length > 0 && renewed.accessToken.length > 0);
  await dashboard.listSessions({}); // works with the new access token

  // Presented again at once (as when the answer to the refresh was lost): exchanged once more.
  const other = createClient(AuthService, createNodeGrpcWebTransport(url));
  const again = await other.refresh({ refreshToken: stored });
  assert.ok(again.tokens && again.tokens.refreshToken !== renewed.refreshToken);

  // After the server's reuse grace (scripts/with-server.sh sets it), presenting it again is
  // treated as theft: the whole sign-in is revoked, the helper's newest token with it.
  const graceMs = Number(process.env.SWITCHBOARD__AUTH__REFRESH_REUSE_GRACE_SECS ?? "10") * 1000;
  await new Promise((r) => setTimeout(r, graceMs + 500));
  await assert.rejects(other.refresh({ refreshToken: stored }), (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated);

  let signedOut = false;
  auth.onChange((v) => (signedOut = !v));
  await assert.rejects(auth.refresh(), (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated);
  assert.equal(auth.signedIn, false);
  assert.equal(signedOut, true);
});

// Issue 11: the person writes while the agent waits in ask(), then answers. The message reaches
// the agent once: on the next step, not on the one after, and not on the message stream (which
// replays the session from its start). Against the former helper this fails: its ask() did not
// wait, and its messages() neither skipped what step() had returned nor acknowledged what it
// handed over (so the stream repeated the first message and the next step the second).
test("a message sent during ask() is delivered exactly once afterwards", async () => {
  const { dashboard } = await signIn();
  const agent = await startSession(url, apiKey, { agentName: "ts-e2e", name: "message during ask" });
  await agent.step("working");
  const ctl = new AbortController();
  const watch = collect(watchSession(dashboard, agent.id, 0n, { signal: ctl.signal }));
  const person = (async () => {
    const qm = await watch.until((m) => m.body.case === "question", "the question on WatchSession");
    const q = qm.body.case === "question" ? qm.body.value : undefined;
    const sent = await dashboard.sendMessage({ sessionId: agent.id, text: "please also update the README" });
    await dashboard.answerQuestion({ sessionId: agent.id, questionId: q!.id, optionIds: [q!.options[0].id] });
    return sent.message!;
  })();
  try {
    const answer = await agent.ask("Go ahead?", { options: ["Go ahead", "Hold on"], waitTimeoutMs: 30_000 });
    const sent = await person;
    assert.deepEqual(answer.optionIds, ["go-ahead"]);

    const first = await agent.step("answered");
    assert.deepEqual(
      first.queuedMessages.map((m) => [m.seq, m.body.case === "userMessage" && m.body.value.text]),
      [[sent.seq, "please also update the README"]],
    );
    assert.deepEqual((await agent.step("next")).queuedMessages, []);

    // The stream skips what step() returned; a newer message arrives there once, is acknowledged
    // as it is handed over, and so is not returned by the next step either.
    const later = (await dashboard.sendMessage({ sessionId: agent.id, text: "and the changelog" })).message!;
    const users: bigint[] = [];
    for await (const m of agent.messages({ signal: AbortSignal.timeout(20_000) })) {
      if (m.body.case !== "userMessage") continue;
      users.push(m.seq);
      if (m.seq === later.seq) break;
    }
    assert.deepEqual(users, [later.seq]);
    assert.deepEqual((await agent.step("after the stream")).queuedMessages, []);
    await agent.end("done");
  } finally {
    ctl.abort();
    await watch.run;
  }
});

test("requestApproval: the person allows, allows for the session (no person next time) and denies with a reason", async () => {
  const { dashboard } = await signIn();
  const agent = await startSession(url, apiKey, { agentName: "ts-e2e" });
  const ctl = new AbortController();
  const watch = collect(watchSession(dashboard, agent.id, 0n, { signal: ctl.signal }));
  try {
    // Allow once, with an edited input.
    const first = agent.requestApproval(
      "Bash",
      { command: "cargo test" },
      { preview: { summary: "Run cargo test", shellCommand: { command: "cargo test" } }, inputEditable: true, toolUseId: "tu-1" },
    );
    const asked = await watch.until((m) => m.body.case === "approval", "the approval on WatchSession");
    assert.equal(asked.body.case, "approval");
    const a1 = asked.body.value as import("../src/index.js").ToolApproval;
    assert.equal(a1.toolName, "Bash");
    assert.equal(a1.preview?.detail.case, "shellCommand");
    const got = await dashboard.getSession({ sessionId: agent.id });
    assert.equal(got.session?.status, SessionStatus.AWAITING_INPUT);
    assert.deepEqual(got.openApprovals.map((x) => x.id), [a1.id]);
    await dashboard.decideApproval({
      sessionId: agent.id,
      approvalId: a1.id,
      decision: ApprovalDecision.ALLOW_ONCE,
      updatedInputJson: '{"command":"cargo test --locked"}',
    });
    const r1 = await first;
    assert.equal(r1.decision, ApprovalDecision.ALLOW_ONCE);
    assert.equal(r1.decidedBy, Sender.USER);
    assert.deepEqual(JSON.parse(r1.updatedInputJson), { command: "cargo test --locked" });

    // Allow for the session: the next call of the same tool comes back decided, no person asked.
    const second = agent.requestApproval("Read", { file_path: "/etc/hosts" }, { preview: { summary: "Read /etc/hosts" } });
    const a2 = await watch.until(
      (m) => m.body.case === "approval" && (m.body.value as { toolName: string }).toolName === "Read",
      "the second approval",
    );
    await dashboard.decideApproval({ sessionId: agent.id, approvalId: (a2.body.value as { id: string }).id, decision: ApprovalDecision.ALLOW_SESSION });
    assert.equal((await second).decision, ApprovalDecision.ALLOW_SESSION);
    const third = await agent.requestApproval("Read", { file_path: "/etc/passwd" }, { preview: { summary: "Read /etc/passwd" } });
    assert.notEqual(third.decision, ApprovalDecision.DENY);
    assert.equal(third.decidedBy, Sender.SYSTEM);

    // Deny with a reason the agent reads.
    const fourth = agent.requestApproval(
      "WebFetch",
      { url: "https://example.com" },
      { preview: { summary: "Fetch example.com", url: { url: "https://example.com" } } },
    );
    const a4 = await watch.until(
      (m) => m.body.case === "approval" && (m.body.value as { toolName: string }).toolName === "WebFetch",
      "the WebFetch approval",
    );
    await dashboard.decideApproval({
      sessionId: agent.id,
      approvalId: (a4.body.value as { id: string }).id,
      decision: ApprovalDecision.DENY,
      reason: "no network today",
    });
    const r4 = await fourth;
    assert.equal(r4.decision, ApprovalDecision.DENY);
    assert.equal(r4.reason, "no network today");

    // A decision stored twice is refused with a message naming the first.
    await assert.rejects(
      dashboard.decideApproval({ sessionId: agent.id, approvalId: a1.id, decision: ApprovalDecision.DENY }),
      (e: unknown) => ConnectError.from(e).code === Code.FailedPrecondition,
    );
  } finally {
    ctl.abort();
    await watch.run;
  }
  await agent.end("done");
});

test("requestApproval gives up with StopRequestedError when the person stops the session", async () => {
  const { dashboard } = await signIn();
  const agent = await startSession(url, apiKey, { agentName: "ts-e2e" });
  const ctl = new AbortController();
  const watch = collect(watchSession(dashboard, agent.id, 0n, { signal: ctl.signal }));
  const waiting = assert.rejects(
    agent.requestApproval("Bash", { command: "rm -rf build" }, { preview: { summary: "Remove build/" }, waitTimeoutMs: 20_000 }),
    (e: unknown) => e instanceof StopRequestedError && e.kind === "approval",
  );
  try {
    await watch.until((m) => m.body.case === "approval", "the approval on WatchSession");
  } finally {
    ctl.abort();
    await watch.run;
  }
  await dashboard.stopSession({ sessionId: agent.id, reason: "enough" });
  await waiting;
  assert.equal((await agent.end("stopped as asked")).status, SessionStatus.STOPPED);
});

test("resolveApproval: the terminal answered first, and the first decision wins", async () => {
  const { dashboard } = await signIn();
  const agent = await startSession(url, apiKey, { agentName: "ts-e2e" });
  const asked = await agent.askApproval("Edit", { file_path: "a.txt" }, {
    preview: { summary: "Edit a.txt", fileChange: { path: "a.txt", unifiedDiff: "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-x\n+y\n" } },
    toolUseId: "toolu_42",
  });
  const id = asked.approval!.id;
  const res = await agent.resolveApproval({ toolUseId: "toolu_42" }, ApprovalDecision.ALLOW_ONCE);
  assert.equal(res.applied, true);
  assert.equal(res.result?.decidedBy, Sender.AGENT);
  const again = await agent.resolveApproval({ approvalId: id }, ApprovalDecision.DENY);
  assert.equal(again.applied, false);
  assert.equal(again.result?.decision, ApprovalDecision.ALLOW_ONCE);
  assert.equal((await agent.waitForApproval(id)).decision, ApprovalDecision.ALLOW_ONCE);
  await assert.rejects(
    dashboard.decideApproval({ sessionId: agent.id, approvalId: id, decision: ApprovalDecision.DENY }),
    (e: unknown) => ConnectError.from(e).code === Code.FailedPrecondition,
  );
  await agent.end("done");
});
