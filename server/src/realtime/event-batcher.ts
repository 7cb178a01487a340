/**
 * Collects a process's slot events and hands them on in order, in batches:
 * never inside the turn that made them (that request's response is written
 * first), and at least `minGapMs` after the previous batch. A quiet process
 * sends an event on the next turn; holds arriving one after another share a
 * batch instead of costing a message each. Used by the Redis bridge (one
 * PUBLISH, its echo and Redis's fan-out per batch) and the worker relay (one
 * IPC message per batch, passed on by the primary).
 */
export class EventBatcher<T> {
  private pending: T[] = [];
  private scheduled = false;
  private lastAt = -Infinity;
  private readonly later = () => void this.flush();

  constructor(
    private readonly deliver: (batch: T[]) => Promise<void> | void,
    private readonly minGapMs: number,
  ) {}

  push(item: T): void {
    this.pending.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastAt + this.minGapMs - performance.now();
    if (wait > 0) setTimeout(this.later, wait);
    else setImmediate(this.later);
  }

  /** Hands on what is pending now (also at close); a timer still running finds nothing left. */
  flush(): Promise<void> | void {
    this.scheduled = false;
    this.lastAt = performance.now();
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) return this.deliver(batch);
  }
}

/**
 * The least time between two batches. On this 2-core VM a syscall costs tens
 * of µs, and a hold's PUBLISH, its echo and Redis's fan-out were the largest
 * cost it had over a bare SET NX (`npm run bench -- locks`); an event waits
 * at most this much longer, far below what a person can see.
 */
export const MIN_BATCH_GAP_MS = 2;
