import type { Logger } from '../logger';
import type { SlotEventHub } from './events';

/** A lock whose TTL ran out, as taken (removed) from the lock index. */
export interface ExpiredLock {
  date: string;
  time: string;
  times: string[];
  employeeId: number;
  serviceId?: number;
  owner?: string;
  /** ISO-8601 UTC. */
  expiresAt?: string;
}

/**
 * Where expired locks come from. `takeExpired` must remove what it returns
 * atomically (a Lua script in Redis, DELETE in a transaction in MySQL), so
 * that among any number of instances sweeping at once exactly one gets each
 * lock — and therefore exactly one `slot_unlocked`/`expired` event is sent.
 */
export interface ExpiredLockSource {
  takeExpired(now: number): Promise<ExpiredLock[]>;
  /**
   * The live locks of one employee-day. Optional: when given, the sweeper
   * checks whether an expired lock's times were locked again before it was
   * swept (possible within one interval), and if so re-announces the new
   * holder after the expiry, so no client is left showing a held time free.
   */
  liveLocks?(date: string, employeeId: number): Promise<ExpiredLock[]>;
}

/**
 * Announces expired locks within about one interval of their TTL running out,
 * without keyspace notifications (off by default, and lossy). The event is
 * published on the local hub, so it reaches this instance's sockets and, via
 * the Redis bridge, every other instance's.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sources: readonly ExpiredLockSource[],
    private readonly hub: SlotEventHub,
    private readonly logger: Logger,
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  /** One pass over every source; overlapping passes are skipped, not queued. */
  sweep(now = Date.now()): Promise<void> {
    this.running ??= this.sweepOnce(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepOnce(now: number): Promise<void> {
    for (const source of this.sources) {
      let expired: ExpiredLock[];
      try {
        expired = await source.takeExpired(now);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'expiry sweep failed; retrying next interval');
        continue;
      }
      for (const lock of expired) {
        this.hub.publish({ type: 'slot_unlocked', reason: 'expired', ...fieldsOf(lock) });
      }
      if (expired.length > 0 && source.liveLocks) await this.reannounceRelocked(source, expired);
    }
  }

  private async reannounceRelocked(source: ExpiredLockSource, expired: ExpiredLock[]): Promise<void> {
    const days = new Map<string, ExpiredLock[]>();
    for (const l of expired) {
      const key = `${l.date}|${l.employeeId}`;
      days.set(key, [...(days.get(key) ?? []), l]);
    }
    for (const locks of days.values()) {
      const { date, employeeId } = locks[0]!;
      let live: ExpiredLock[];
      try {
        live = await source.liveLocks!(date, employeeId);
      } catch {
        continue; // the expiry was announced; a client that doubts refetches
      }
      const freed = new Set(locks.flatMap((l) => l.times));
      for (const holder of live) {
        if (holder.times.some((t) => freed.has(t))) this.hub.publish({ type: 'slot_locked', ...fieldsOf(holder) });
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

function fieldsOf(l: ExpiredLock) {
  return { date: l.date, time: l.time, times: l.times, employeeId: l.employeeId, serviceId: l.serviceId, owner: l.owner, expiresAt: l.expiresAt };
}
