// A session's feed: history pages (ListMessages BACKWARD) and live messages (WatchSession)
// merged into one ascending list with no duplicate, and the seq to resume the watch after.

export interface Seqd {
  seq: bigint;
}

export class Feed<M extends Seqd> {
  /** Ascending by seq, each seq once. */
  private list: M[] = [];
  private seen = new Set<bigint>();
  /** Whether older messages may exist before the first one held. */
  hasOlder = true;
  /** Page token for the next older page (ListMessages BACKWARD). */
  olderToken = "";

  get messages(): readonly M[] {
    return this.list;
  }

  /** Highest seq held: resume WatchSession after it (0 when empty). */
  get highSeq(): bigint {
    return this.list.length ? this.list[this.list.length - 1].seq : 0n;
  }

  /** Lowest seq held (0 when empty). */
  get lowSeq(): bigint {
    return this.list.length ? this.list[0].seq : 0n;
  }

  has(seq: bigint): boolean {
    return this.seen.has(seq);
  }

  /**
   * Adds messages (from any source, any order); returns those that were new, ascending.
   * Keeps the list sorted; duplicates by seq are dropped.
   */
  add(msgs: Iterable<M>): M[] {
    const fresh: M[] = [];
    for (const m of msgs) {
      if (this.seen.has(m.seq)) continue;
      this.seen.add(m.seq);
      fresh.push(m);
    }
    if (!fresh.length) return fresh;
    fresh.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    const high = this.highSeq;
    if (fresh[0].seq > high) {
      this.list.push(...fresh); // the usual live case: append
    } else {
      this.list = [...this.list, ...fresh].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    }
    if (this.lowSeq === 1n) this.hasOlder = false;
    return fresh;
  }

  /** Adds a page of older history (newest first, as BACKWARD returns it). */
  addOlderPage(page: M[], nextPageToken: string): M[] {
    const fresh = this.add(page);
    this.olderToken = nextPageToken;
    if (!nextPageToken) this.hasOlder = false;
    return fresh;
  }

  /** Seqs missing between the lowest and highest held (should always be empty). */
  gaps(): bigint[] {
    const out: bigint[] = [];
    for (let i = 1; i < this.list.length; i++) {
      for (let s = this.list[i - 1].seq + 1n; s < this.list[i].seq; s++) out.push(s);
    }
    return out;
  }
}
