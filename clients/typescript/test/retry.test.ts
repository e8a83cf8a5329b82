// withRetry: one request id for every attempt of a logical call; only transient errors retried.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, withRetry } from "../src/index.js";

test("withRetry reuses the request id across attempts and stops on success", async () => {
  const ids: string[] = [];
  const res = await withRetry(
    async (id) => {
      ids.push(id);
      if (ids.length < 3) throw new ConnectError("try again", Code.Unavailable);
      return "ok";
    },
    { initialDelayMs: 1 },
  );
  assert.equal(res, "ok");
  assert.equal(ids.length, 3);
  assert.equal(new Set(ids).size, 1);
  assert.match(ids[0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("withRetry does not retry a permanent error, nor a call cancelled on purpose", async () => {
  let n = 0;
  await assert.rejects(
    withRetry(async () => {
      n++;
      throw new ConnectError("bad", Code.InvalidArgument);
    }),
    (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument,
  );
  assert.equal(n, 1);
  const ctl = new AbortController();
  ctl.abort();
  let m = 0;
  await assert.rejects(
    withRetry(
      async () => {
        m++;
        throw new ConnectError("canceled", Code.Canceled);
      },
      { signal: ctl.signal },
    ),
  );
  assert.equal(m, 1);
});

test("withRetry waits the delay a RESOURCE_EXHAUSTED message asks for", async () => {
  const t0 = Date.now();
  let n = 0;
  await withRetry(async () => {
    if (n++ === 0) throw new ConnectError("rate limited; retry after 120ms", Code.ResourceExhausted);
  });
  assert.ok(Date.now() - t0 >= 110);
});
