import { useEffect, useReducer } from "preact/hooks";

/** A tiny observable base: call changed() after mutating; components re-render with useStore. */
export class Store {
  private subs = new Set<() => void>();
  version = 0;
  subscribe(fn: () => void): () => void {
    this.subs.add(fn);
    return () => void this.subs.delete(fn);
  }
  protected changed(): void {
    this.version++;
    this.subs.forEach((f) => f());
  }
}

export function useStore<S extends Store>(s: S | null | undefined): S | null | undefined {
  const [, force] = useReducer((x: number, _: void) => x + 1, 0);
  useEffect(() => (s ? s.subscribe(() => force()) : undefined), [s]);
  return s;
}
