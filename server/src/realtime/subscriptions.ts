/**
 * Which sockets watch which day of which employee, indexed both ways: by day
 * for fan-out (one Map lookup per event, however many sockets are open) and
 * by socket for the cap and for clean-up on close. A socket without
 * subscriptions costs nothing here.
 */
export class SubscriptionIndex<S> {
  private readonly byDay = new Map<string, Set<S>>();
  private readonly bySocket = new Map<S, Set<string>>();

  constructor(private readonly maxPerSocket: number) {}

  /** 'full' when the socket already holds its maximum; subscribing twice to one day is a no-op. */
  add(socket: S, key: string): 'added' | 'exists' | 'full' {
    let mine = this.bySocket.get(socket);
    if (mine?.has(key)) return 'exists';
    if (mine && mine.size >= this.maxPerSocket) return 'full';
    if (!mine) this.bySocket.set(socket, (mine = new Set()));
    mine.add(key);
    let watchers = this.byDay.get(key);
    if (!watchers) this.byDay.set(key, (watchers = new Set()));
    watchers.add(socket);
    return 'added';
  }

  remove(socket: S, key: string): void {
    const mine = this.bySocket.get(socket);
    if (!mine?.delete(key)) return;
    if (mine.size === 0) this.bySocket.delete(socket);
    this.detach(socket, key);
  }

  removeAll(socket: S): void {
    const mine = this.bySocket.get(socket);
    if (!mine) return;
    this.bySocket.delete(socket);
    for (const key of mine) this.detach(socket, key);
  }

  subscribers(key: string): ReadonlySet<S> | undefined {
    return this.byDay.get(key);
  }

  countOf(socket: S): number {
    return this.bySocket.get(socket)?.size ?? 0;
  }

  /** Days with at least one watcher (for tests and stats). */
  get dayCount(): number {
    return this.byDay.size;
  }

  private detach(socket: S, key: string): void {
    const watchers = this.byDay.get(key);
    if (!watchers) return;
    watchers.delete(socket);
    if (watchers.size === 0) this.byDay.delete(key);
  }
}
