// Cuts a live WatchSession (gRPC-Web over HTTP/1.1) and a live Subscribe (gRPC over HTTP/2)
// mid-stream with a loopback TCP relay in front of the real server, and checks that the helpers
// reconnect and resume after the last seq: every event once, in order, none missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Socket } from "node:net";
import {
  AgentSession,
  createAgentClient,
  createNodeDashboard,
  startSession,
  watchSession,
  type Message,
  type StreamState,
} from "../src/node.js";

const server = new URL(process.env.SWITCHBOARD_URL!);

/** A TCP relay to the server whose connections can all be cut at once. */
async function relay() {
  const socks = new Set<Socket>();
  const srv = createServer((down) => {
    const up = connect(Number(server.port), server.hostname);
    socks.add(down).add(up);
    down.pipe(up).pipe(down);
    const drop = () => (down.destroy(), up.destroy(), socks.delete(down), socks.delete(up));
    down.on("error", drop).on("close", drop);
    up.on("error", drop).on("close", drop);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => socks.forEach((s) => s.destroy()),
    close: () => new Promise<void>((r) => (socks.forEach((s) => s.destroy()), srv.close(() => r()))),
  };
}

async function until(pred: () => boolean, what: string, ms = 15_000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("watchSession and Subscribe resume after the last seq when the connection drops", async () => {
  const r = await relay();
  const ctl = new AbortController();
  try {
    const person = createNodeDashboard(r.url, { protocol: "grpc-web" });
    await person.auth.login(process.env.SWITCHBOARD_EMAIL!, process.env.SWITCHBOARD_PASSWORD!);
    const writer = await startSession(process.env.SWITCHBOARD_URL!, process.env.SWITCHBOARD_API_KEY!, { agentName: "ts-reconnect" });
    // The agent's own subscription goes through the relay too (gRPC over HTTP/2).
    const listener = await AgentSession.start(createAgentClient(r.url, process.env.SWITCHBOARD_API_KEY!), {
      agentName: "ts-reconnect",
      sessionId: writer.id,
    });

    const seen: Message[] = [];
    const states: StreamState[] = [];
    const heard: Message[] = [];
    const watching = (async () => {
      for await (const m of watchSession(person.dashboard, writer.id, 0n, {
        signal: ctl.signal,
        initialDelayMs: 50,
        onState: (s) => states.push(s),
      }))
        seen.push(m);
    })();
    const subscribed = (async () => {
      for await (const m of listener.messages({ signal: ctl.signal })) heard.push(m);
    })();

    for (const t of ["a", "b", "c"]) await writer.step(t);
    await person.dashboard.sendMessage({ sessionId: writer.id, text: "before the cut" });
    await until(() => seen.length >= 4 && heard.length >= 1, "the first events");

    r.cut();
    // Written while both streams are down.
    for (const t of ["d", "e", "f"]) await writer.step(t);
    const direct = createNodeDashboard(process.env.SWITCHBOARD_URL!, { protocol: "grpc" });
    await direct.auth.login(process.env.SWITCHBOARD_EMAIL!, process.env.SWITCHBOARD_PASSWORD!);
    await direct.dashboard.sendMessage({ sessionId: writer.id, text: "during the cut" });

    await until(() => seen.some((m) => m.body.case === "userMessage" && m.body.value.text === "during the cut"), "the events after the cut");
    await until(() => heard.some((m) => m.body.case === "userMessage" && m.body.value.text === "during the cut"), "the message on Subscribe");
    assert.ok(states.includes("reconnecting"), `states: ${states.join(",")}`);

    const seqs = seen.map((m) => Number(m.seq));
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), "WatchSession: every seq once, in order");
    const steps = seen.flatMap((m) => (m.body.case === "step" ? [m.body.value.text] : []));
    assert.deepEqual(steps, ["a", "b", "c", "d", "e", "f"]);
    const hs = heard.map((m) => Number(m.seq));
    assert.deepEqual(hs, [...new Set(hs)].sort((x, y) => x - y), "Subscribe: no duplicate, in order");
    await writer.end("done");
    await subscribed; // ends after the terminal status change
  } finally {
    ctl.abort();
    await r.close();
  }
});
