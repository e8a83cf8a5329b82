import { useEffect, useReducer } from "preact/hooks";

/** A tiny observable base: call changed() after mutating; components re-render with useStore. */
export class Store {
  private subs = new Set<() => void>();
  version = 0;
  subscribe(fn: () => void): () => void {
    this.subs.add(fn);
    return () => void this.subs.delete(fn);
  }
  private queued = false;
  /** Marks a change; subscribers hear of it once per task, so a replay of many events renders once. */
  protected changed(): void {
    this.version++;
    if (this.queued) return;
    this.queued = true;
    setTimeout(() => {
      this.queued = false;
      this.subs.forEach((f) => f());
    }, 0);
  }
}

export function useStore<S extends Store>(s: S | null | undefined): S | null | undefined {
  const [, force] = useReducer((x: number, _: void) => x + 1, 0);
  useEffect(() => (s ? s.subscribe(() => force()) : undefined), [s]);
  return s;
}
