import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger';
import type { RedisGuard } from '../redis/guard';
import type { RedisKeys } from '../redis/keys';
import { budgetRefund, budgetReserve, budgetSeed } from '../redis/scripts';
import { retryAfterSeconds, type RateLimiter } from './rate-limiter';

/** One fixed-window budget of failures: `rate:{type}:{id}`, at most `limit` per `windowSeconds`. */
export interface Budget {
  type: string;
  id: string;
  limit: number;
  windowSeconds: number;
}

/** Where a reservation was counted: it is settled in the same store. */
export type BudgetReservation =
  /** `windowMs`: what was left of each counter's window in Redis (MySQL's window, when it starts one, ends with it). */
  | { store: 'redis'; counters: readonly (readonly [type: string, id: string, windowMs: number])[] }
  | { store: 'mysql'; counters: readonly (readonly [type: string, id: string])[] };

export type BudgetReserveOutcome =
  | { ok: true; reservation: BudgetReservation }
  /** `budget`: the position of the budget that refused. */
  | { ok: false; budget: number; retryAfterSeconds: number };

/** Counters copied to Redis per script call when it is seeded. */
const SEED_BATCH = 1_000;
/** Seedings started over after a flush in the middle of one, before MySQL is left to decide. */
const SEED_TRIES = 3;

/**
 * Failure budgets that must survive Redis (the one-time codes' guessing
 * budgets, CONTRACT §11): a day-long counter lost with a Redis restart, flush
 * or outage would be a fresh budget.
 *
 * While Redis is up it decides alone: a reservation is one script that checks
 * every budget and counts in all or none (`budget-reserve.lua`), a refund one
 * that gives it back; a success therefore costs MySQL nothing. A reservation
 * that turns out to be a failure is also counted in MySQL (`failed`: one
 * statement, two for a counter's first failure of its window), so MySQL holds
 * every failure of every window. While Redis is down or off, MySQL counts and
 * decides as it always did (`RateLimiter.hitDurable`).
 *
 * Redis may decide only while it holds at least what MySQL holds. Two things
 * can leave it short: losing its data (a restart without persistence, a
 * flush, a first start), which removes the `budgets-copied` key the reserve
 * script checks on every call; and an outage, during which failures went to
 * MySQL alone, which this instance learns from its breaker. Either way Redis
 * is seeded before it decides again: one statement reads MySQL's running
 * counters, and a script merges them in keeping the larger count and the
 * later window end (`budget-seed.lua`), so instances seeding at once, or one
 * seed repeated, do no harm. Reservations wait for the seed meanwhile; one
 * that cannot (MySQL failing) is decided by MySQL.
 *
 * An outage of one instance's Redis path alone (a partition) leaves the other
 * instances deciding in Redis without that instance's failures until it
 * recovers and seeds: the budget can stretch by the failures counted during
 * such an outage, never more.
 */
export class BudgetCounters {
  private seeded = false;
  /** Bumped whenever Redis may have lost what it was given: a seed that started earlier does not count. */
  private invalidations = 0;
  private seeding: Promise<void> | undefined;
  private seedingFor = -1;

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: RedisKeys,
    private readonly rates: Pick<RateLimiter, 'hitDurable' | 'refundDurable' | 'recordDurable' | 'liveDurable'>,
    /** The budget types MySQL's counters are copied for. */
    private readonly types: readonly string[],
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    guard.on('down', () => this.invalidate());
    guard.on('up', () => {
      this.invalidate();
      void this.seed();
    });
    // Failures another instance counted in MySQL alone (it was in an outage, Redis restarted since).
    if (guard.up) void this.seed();
  }

  /** One failure reserved in every budget, in order, or a refusal by the first one spent. */
  async reserve(budgets: readonly Budget[]): Promise<BudgetReserveOutcome> {
    if (this.guard.state === 'disabled') return this.reserveMysql(budgets);
    for (let tries = 0; tries < 3 && this.guard.up; tries++) {
      if (!this.seeded) await this.seed();
      if (!this.seeded) break;
      const sentIn = this.invalidations;
      // Named, so that the guard's retry after a late reply (the first call may have run) finds
      // the reservation instead of counting a second failure.
      const reservationKey = this.keys.budgetReservation(randomBytes(12).toString('base64url'));
      const r = await this.guard.tryRedis((redis) =>
        budgetReserve(redis, {
          copiedMarker: this.keys.budgetsCopied(),
          reservationKey,
          counters: budgets.map((b) => ({ key: this.keys.rate(b.type, b.id), limit: b.limit, windowMs: b.windowSeconds * 1000 })),
        }),
      );
      if (r === undefined) break;
      if (r.outcome === 'unseeded') {
        // Only news if nobody has acted on it since this call was sent. Concurrent calls sent
        // before a flush come back "unseeded" one by one on a loaded process; each invalidating
        // again would void the seed the first one started, and the callers waiting on it would
        // fall back to MySQL while others decide in Redis: two stores deciding one budget let
        // guesses past the cap (identity-budget-durability.test.ts). They wait for that seed.
        if (this.invalidations === sentIn) this.invalidate();
        continue;
      }
      if (r.outcome === 'refused') return { ok: false, budget: r.counter, retryAfterSeconds: retryAfterSeconds(r.ttlMs) };
      return { ok: true, reservation: { store: 'redis', counters: budgets.map((b, i) => [b.type, b.id, r.ttlMs[i] ?? b.windowSeconds * 1000] as const) } };
    }
    this.guard.countFallback('verify_budget');
    return this.reserveMysql(budgets);
  }

  /** The reservation was not a failure (only failures count): it is given back. */
  async refund(reservation: BudgetReservation): Promise<void> {
    if (reservation.store === 'mysql') return this.rates.refundDurable(reservation.counters);
    // Not sent again after a late reply (the first may have run): a lost refund counts one failure too many, a doubled one would forget one.
    // Redis gone since the reservation: it keeps the reservation, one failure too many.
    await this.guard.tryRedis((redis, retry) =>
      retry ? Promise.resolve(0) : budgetRefund(redis, { counterKeys: reservation.counters.map(([type, id]) => this.keys.rate(type, id)) }),
    );
  }

  /** The reservation was a failure: MySQL counts it too (it already has when it made the reservation). */
  async failed(reservation: BudgetReservation): Promise<void> {
    if (reservation.store === 'redis') await this.rates.recordDurable(reservation.counters);
  }

  /** As it always was: MySQL counts each budget in order and stops at the first that refuses. */
  private async reserveMysql(budgets: readonly Budget[]): Promise<BudgetReserveOutcome> {
    for (const [i, b] of budgets.entries()) {
      const hit = await this.rates.hitDurable(b.type, b.id, b.limit, b.windowSeconds);
      if (!hit.allowed) return { ok: false, budget: i, retryAfterSeconds: hit.retryAfterSeconds };
    }
    return { ok: true, reservation: { store: 'mysql', counters: budgets.map((b) => [b.type, b.id] as const) } };
  }

  private invalidate(): void {
    this.invalidations += 1;
    this.seeded = false;
  }

  /** Seeds Redis from MySQL, one seed at a time; asked again after Redis may have lost something since the running one began, it queues a fresh one. */
  private seed(): Promise<void> {
    if (this.seeding && this.seedingFor === this.invalidations) return this.seeding;
    const run = (this.seeding ?? Promise.resolve()).then(() => this.copy());
    this.seeding = run;
    this.seedingFor = this.invalidations;
    void run.finally(() => {
      if (this.seeding === run) this.seeding = undefined;
    });
    return run;
  }

  private async copy(): Promise<void> {
    const startedAt = this.invalidations;
    if (!this.guard.up) return;
    try {
      if ((await this.copyOnce()) && startedAt === this.invalidations) this.seeded = true;
    } catch (err) {
      this.logger?.warn({ err }, 'could not copy the failure budgets to Redis; MySQL decides until a copy succeeds');
    }
  }

  /** Reads MySQL's running counters and merges them into Redis; false when Redis failed or kept being flushed meanwhile. */
  private async copyOnce(): Promise<boolean> {
    for (let attempt = 0; attempt < SEED_TRIES; attempt++) {
      const rows = await this.rates.liveDurable(this.types);
      const now = Date.now();
      const counters = rows.map((row) => ({ key: row.key, hits: row.hits, ttlMs: Math.max(1, row.expiresAtMs - now) }));
      let epoch = randomBytes(12).toString('hex');
      let interrupted = false;
      // One call at least: with nothing to copy it still sets the marker.
      for (let from = 0; from === 0 || from < counters.length; from += SEED_BATCH) {
        const batch = { first: from === 0, last: from + SEED_BATCH >= counters.length, counters: counters.slice(from, from + SEED_BATCH) };
        const merged = await this.guard.tryRedis((redis) =>
          budgetSeed(redis, { copiedMarker: this.keys.budgetsCopied(), copyEpoch: this.keys.budgetsCopyEpoch(), epoch, ...batch }),
        );
        if (merged === undefined) return false;
        if (merged.outcome === 'interrupted') {
          interrupted = true;
          break;
        }
        epoch = merged.epoch;
      }
      if (!interrupted) return true;
    }
    return false;
  }
}
