import { describe, expect, it } from "vitest";
import { Feed } from "../src/feed";

const m = (seq: number, text = `m${seq}`) => ({ seq: BigInt(seq), text });

describe("Feed", () => {
  it("merges the latest history page and the live tail, resuming after the highest seq", () => {
    const f = new Feed<ReturnType<typeof m>>();
    // ListMessages BACKWARD returns newest first.
    f.addOlderPage([m(10), m(9), m(8)], "tok");
    expect(f.highSeq).toBe(10n);
    expect(f.lowSeq).toBe(8n);
    expect(f.hasOlder).toBe(true);
    // WatchSession after 10: live messages append.
    expect(f.add([m(11)]).map((x) => x.seq)).toEqual([11n]);
    expect(f.messages.map((x) => Number(x.seq))).toEqual([8, 9, 10, 11]);
  });

  it("drops duplicates replayed after a reconnect", () => {
    const f = new Feed<ReturnType<typeof m>>();
    f.add([m(1), m(2), m(3)]);
    const fresh = f.add([m(2), m(3), m(4)]);
    expect(fresh.map((x) => Number(x.seq))).toEqual([4]);
    expect(f.messages.map((x) => Number(x.seq))).toEqual([1, 2, 3, 4]);
    expect(f.highSeq).toBe(4n);
    expect(f.gaps()).toEqual([]);
  });

  it("prepends older pages on scroll-up and stops at seq 1", () => {
    const f = new Feed<ReturnType<typeof m>>();
    f.addOlderPage([m(6), m(5), m(4)], "p2");
    f.addOlderPage([m(3), m(2)], "p3");
    expect(f.hasOlder).toBe(true);
    f.addOlderPage([m(1)], "");
    expect(f.hasOlder).toBe(false);
    expect(f.messages.map((x) => Number(x.seq))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("keeps order when a live message and a page overlap out of order", () => {
    const f = new Feed<ReturnType<typeof m>>();
    f.add([m(5)]);
    f.add([m(7), m(6)]);
    f.addOlderPage([m(6), m(5), m(4)], "x");
    expect(f.messages.map((x) => Number(x.seq))).toEqual([4, 5, 6, 7]);
    expect(f.gaps()).toEqual([]);
  });

  it("starts an empty session's watch from 0 and reports gaps", () => {
    const f = new Feed<ReturnType<typeof m>>();
    expect(f.highSeq).toBe(0n);
    f.add([m(1), m(3)]);
    expect(f.gaps()).toEqual([2n]);
  });
});

describe("Feed with the client's resuming stream", async () => {
  const { resumingStream, Code, ConnectError } = await import("@switchboard/client/web");
  it("reopens WatchSession after the feed's high seq and drops the overlap", async () => {
    const f = new Feed<ReturnType<typeof m>>();
    f.addOlderPage([m(3), m(2), m(1)], ""); // the latest page
    const opened: bigint[] = [];
    let round = 0;
    const open = (after: bigint) =>
      (async function* () {
        opened.push(after);
        round++;
        if (round === 1) {
          yield m(4);
          throw new ConnectError("connection reset", Code.Unavailable);
        }
        yield m(4); // replayed by a server that resumed one too early
        yield m(5);
      })();
    for await (const x of resumingStream({
      open,
      after: f.highSeq,
      initialDelayMs: 1,
      classify: (x: ReturnType<typeof m>) => ({ kind: "item" as const, pos: x.seq, value: x }),
    })) {
      f.add([x]);
    }
    expect(opened).toEqual([3n, 4n]);
    expect(f.messages.map((x) => Number(x.seq))).toEqual([1, 2, 3, 4, 5]);
    expect(f.gaps()).toEqual([]);
  });
});
