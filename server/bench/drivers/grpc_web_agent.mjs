// switchboard-bench driver: an agent over gRPC-Web (HTTP/1.1) from Node, as a browser talks to
// the server: connect-web's gRPC-Web transport over Node's fetch (undici speaks HTTP/1.1) and
// the generated service descriptors of clients/typescript (compiled into its dist/; the helpers
// are not used, so that the figures are the transport's and the server's).
//
// switchboard-bench spawns it with SWITCHBOARD_TS_CLIENT_DIR (clients/typescript, with its
// node_modules and dist) and SWITCHBOARD_API_KEY. It writes one JSON object per line on stdout,
// with the same modes, arguments and events as grpcio_agent.py (see there). Times are wall-clock
// microseconds, the clock the bench reads on its side: Node's performance.timeOrigin (wall clock
// when the process started) plus performance.now() (the monotonic clock since then).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const clientDir = process.env.SWITCHBOARD_TS_CLIENT_DIR;
const apiKey = process.env.SWITCHBOARD_API_KEY;
if (!clientDir || !apiKey) {
  fail("SWITCHBOARD_TS_CLIENT_DIR and SWITCHBOARD_API_KEY must be set");
}

// Imports a package from the client's node_modules by its ESM entry: this script lives outside
// that package, so bare specifiers would not resolve. The packages' own imports resolve from
// their location, so every module is loaded once.
async function importPackage(name) {
  const dir = join(clientDir, "node_modules", name);
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  } catch (e) {
    fail(`${name} is not installed in ${clientDir}/node_modules (run npm ci there): ${e.message}`);
  }
  const entry = pkg.exports?.["."]?.import ?? pkg.module ?? pkg.main;
  return import(pathToFileURL(join(dir, entry)).href);
}

function fail(message) {
  process.stderr.write(`grpc_web_agent: ${message}\n`);
  process.exit(1);
}

const { createClient } = await importPackage("@connectrpc/connect");
const { createGrpcWebTransport } = await importPackage("@connectrpc/connect-web");
const stubs = join(clientDir, "dist/gen/switchboard/v1/agent_service_pb.js");
const { AgentService } = await import(pathToFileURL(stubs).href).catch((e) =>
  fail(`cannot load the generated stubs ${stubs} (build them with npx tsc -p tsconfig.json in ${clientDir}): ${e.message}`),
);

const emit = (fields) => process.stdout.write(`${JSON.stringify(fields)}\n`);
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const CALL = { timeoutMs: 10_000 };

function agentClient(target) {
  const transport = createGrpcWebTransport({
    baseUrl: `http://${target}`,
    useBinaryFormat: true,
    interceptors: [
      (next) => async (req) => {
        req.header.set("authorization", `Bearer ${apiKey}`);
        return next(req);
      },
    ],
  });
  return createClient(AgentService, transport);
}

async function startSession(client, name) {
  const resp = await client.startSession({ agentName: "bench-grpc-web", name, requestId: randomUUID() }, CALL);
  return resp.session.id;
}

async function answer(target, roundTrips, subscribe) {
  const client = agentClient(target);
  const sessionId = await startSession(client, "answer latency (gRPC-Web, Node)");
  for (let i = 0; i < roundTrips; i++) {
    const asked = await client.askQuestion(
      { sessionId, text: `bench question ${i}: go ahead?`, requestId: randomUUID(), allowFreeText: true },
      CALL,
    );
    const questionId = asked.question.id;
    // --subscribe: a Subscribe stream from the question's seq is open during the wait, as the
    // clients' ask() helpers keep one to notice a stop request.
    const abort = new AbortController();
    const reading = subscribe
      ? (async () => {
          try {
            for await (const _ of client.subscribe({ sessionId, afterSeq: asked.seq }, { signal: abort.signal })) {
              // drained: only its presence on the wire matters here
            }
          } catch (e) {
            if (!abort.signal.aborted) process.stderr.write(`Subscribe failed: ${e?.message ?? e}\n`);
          }
        })()
      : Promise.resolve();
    // The call is on its way before the bench hears of it; the stamp is taken where an agent's
    // `await` would resume.
    const waiting = client
      .waitForAnswer({ sessionId, questionId, timeout: { seconds: 10n, nanos: 0 } }, { timeoutMs: 15_000 })
      .then((resp) => [resp, nowUs()]);
    emit({ event: "waiting", session: sessionId, question: questionId });
    const [resp, done] = await waiting;
    abort.abort();
    await reading;
    if (!resp.answered) {
      fail(`WaitForAnswer returned without the answer to ${questionId}`);
    }
    emit({ event: "answered", question: questionId, done_us: done });
  }
}

async function ingest(target, agents, warmupMs, secs) {
  const sessions = [];
  for (let i = 0; i < agents; i++) {
    const client = agentClient(target);
    sessions.push([client, await startSession(client, `ingest grpc-web ${agents}x #${i}`)]);
  }
  let measuring = false;
  let stop = false;
  const run = async ([client, sessionId], i) => {
    let ops = 0;
    let errors = 0;
    let firstError = null;
    const latency = [];
    for (let n = 1; !stop; n++) {
      const req = {
        sessionId,
        text: `agent ${i} step ${n}: ran \`cargo test -p switchboard store::sessions\`, 42 passed, 0 failed; next: tidy the feed module`,
        requestId: randomUUID(),
      };
      const t0 = process.hrtime.bigint();
      let err = null;
      try {
        await client.logStep(req, CALL);
      } catch (e) {
        err = String(e?.message ?? e);
      }
      const tookUs = Number((process.hrtime.bigint() - t0) / 1000n);
      if (err !== null) {
        errors++;
        firstError ??= err;
      } else if (measuring && !stop) {
        ops++;
        latency.push(tookUs);
      }
    }
    return { ops, errors, firstError, latency };
  };
  const tasks = sessions.map(run);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(warmupMs);
  measuring = true;
  const t0 = performance.now();
  await sleep(secs * 1000);
  stop = true;
  const elapsed = (performance.now() - t0) / 1000;
  const results = await Promise.all(tasks);
  emit({
    event: "ingest",
    ops: results.reduce((a, r) => a + r.ops, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    secs: elapsed,
    latency_us: results.flatMap((r) => r.latency),
    first_error: results.find((r) => r.firstError)?.firstError ?? null,
  });
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    target: { type: "string" },
    "round-trips": { type: "string" },
    subscribe: { type: "boolean", default: false },
    agents: { type: "string" },
    "warmup-ms": { type: "string" },
    secs: { type: "string" },
  },
});
try {
  switch (positionals[0]) {
    case "answer":
      await answer(values.target, Number(values["round-trips"]), values.subscribe);
      break;
    case "ingest":
      await ingest(values.target, Number(values.agents), Number(values["warmup-ms"]), Number(values.secs));
      break;
    default:
      fail(`unknown mode ${positionals[0]} (answer or ingest)`);
  }
} catch (e) {
  fail(e?.stack ?? String(e));
}
// Everything is written (stdout to a pipe is synchronous); a cancelled fetch whose HTTP/1.1
// connection undici still holds must not keep the process alive.
process.exit(0);
