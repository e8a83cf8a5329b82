// Unit test of the resume/dedupe logic of resumingStream (no server involved).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, resumingStream, type StreamItem } from "../src/index.js";

test("resumingStream resumes after the last position and drops replayed items", async () => {
  const opened: bigint[] = [];
  let round = 0;
  const open = (after: bigint) =>
    (async function* () {
      opened.push(after);
      round++;
      if (round === 1) {
        yield 1n;
        yield 2n;
        throw new ConnectError("server going away", Code.Unavailable);
      }
      // A replay that overlaps what was already delivered.
      yield 2n;
      yield 3n;
      yield -1n; // heartbeat
      yield 4n;
    })();
  const got: bigint[] = [];
  const states: string[] = [];
  for await (const x of resumingStream<bigint, bigint>({
    open,
    classify: (n): StreamItem<bigint> => (n < 0n ? { kind: "heartbeat", highWater: 4n } : { kind: "item", pos: n, value: n }),
    initialDelayMs: 1,
    onState: (s) => states.push(s),
  })) {
    got.push(x);
  }
  assert.deepEqual(got, [1n, 2n, 3n, 4n]);
  assert.deepEqual(opened, [0n, 2n]);
  assert.deepEqual(states, ["connecting", "live", "reconnecting", "live", "closed"]);
});

test("resumingStream stops on a permanent error", async () => {
  const it = resumingStream<bigint, bigint>({
    open: () =>
      (async function* () {
        throw new ConnectError("gone", Code.NotFound);
      })(),
    classify: (n) => ({ kind: "item", pos: n, value: n }),
  });
  await assert.rejects(
    (async () => {
      for await (const _ of it) void _;
    })(),
    (e: unknown) => ConnectError.from(e).code === Code.NotFound,
  );
});
