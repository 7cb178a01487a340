import { isDuplicateKey } from '../db/errors';
import { retryOnContention, type Pool } from '../db/pool';
import type { Tables } from '../db/schema';
import type { RedisGuard } from '../redis/guard';
import type { RedisKeys } from '../redis/keys';
import { rateHit } from '../redis/scripts';

export interface RateHit {
  /** Hits in the current window, this one included. */
  count: number;
  allowed: boolean;
  /** Seconds until the window ends (for Retry-After), at least 1. */
  retryAfterSeconds: number;
}

/** A window's time left as a Retry-After: whole seconds, rounded up, at least 1. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Fixed-window counters (blueprint: `rate:{type}:{id}`). The window starts at
 * the first hit and lasts `windowSeconds`; hits beyond `limit` are refused
 * until it ends. Redis counts with one Lua step (INCR + PEXPIRE on first use);
 * the MySQL twin with one conditional UPDATE that also returns the count (an
 * INSERT only for a key's first hit), so concurrent hits are never lost on either.
 */
export class RateLimiter {
  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: RedisKeys,
    private readonly pool: Pool,
    private readonly t: Tables,
  ) {}

  async hit(type: string, id: string, limit: number, windowSeconds: number): Promise<RateHit> {
    const windowMs = windowSeconds * 1000;
    const key = this.keys.rate(type, id);
    const [count, ttlMs] = await this.guard.run(
      'rate_limit',
      async (r) => {
        const { count, ttlMs } = await rateHit(r, { rateKey: key, windowMs });
        return [count, ttlMs] as const;
      },
      () => this.hitMysql(key, windowMs, limit),
    );
    return { count, allowed: count <= limit, retryAfterSeconds: retryAfterSeconds(ttlMs) };
  }

  /**
   * One statement counts a hit: the UPDATE restarts an expired window and
   * counts in the same statement (the row lock makes concurrent hits queue),
   * and hands this hit's count back through `LAST_INSERT_ID(expr)` (the OK
   * packet's insert id), so no transaction and no read-back are needed; only
   * a key's first hit inserts, and only a refused hit (past `limit`) reads the
   * window's end, for Retry-After. An existing key is never upserted: INSERT …
   * ON DUPLICATE KEY UPDATE takes an AUTO_INCREMENT id on every call, so a
   * flood of refused hits would use up the table's ids.
   */
  private async hitMysql(key: string, windowMs: number, limit: number): Promise<readonly [number, number]> {
    const now = Date.now();
    const count = async (): Promise<number | undefined> => {
      const [updated] = await retryOnContention(this.pool, 'rate_limit.hit', () =>
        this.pool.query<any>(
          `UPDATE \`${this.t.rateLimits}\` SET hits = LAST_INSERT_ID(IF(expires_at_ms <= ?, 1, hits + 1)), expires_at_ms = IF(expires_at_ms <= ?, ?, expires_at_ms) WHERE rate_key = ?`,
          [now, now, now + windowMs, key],
        ),
      );
      return Number(updated.affectedRows) === 0 ? undefined : Number(updated.insertId);
    };
    let hits = await count();
    if (hits === undefined) {
      try {
        await retryOnContention(this.pool, 'rate_limit.hit', () =>
          this.pool.query(`INSERT INTO \`${this.t.rateLimits}\` (rate_key, hits, expires_at_ms) VALUES (?, 1, ?)`, [key, now + windowMs]),
        );
        return [1, windowMs] as const;
      } catch (err) {
        // The key's first hit from another request committed meanwhile: count on its row.
        if (!isDuplicateKey(err)) throw err;
        hits = (await count()) ?? 1;
      }
    }
    if (hits <= limit) return [hits, windowMs] as const;
    const [rows] = await this.pool.query<any[]>(`SELECT expires_at_ms FROM \`${this.t.rateLimits}\` WHERE rate_key = ?`, [key]);
    return [hits, Math.max(0, Number(rows[0]?.expires_at_ms ?? now + windowMs) - now)] as const;
  }

  /**
   * Counts in MySQL alone: for budgets that span hours and must hold across a
   * Redis restart or outage (a counter lost with Redis would be a fresh
   * budget), while Redis is off or down or cannot be trusted yet
   * (stores/budget-counters.ts). Same window rules as `hit`.
   */
  async hitDurable(type: string, id: string, limit: number, windowSeconds: number): Promise<RateHit> {
    const [count, ttlMs] = await this.hitMysql(this.keys.rate(type, id), windowSeconds * 1000, limit);
    return { count, allowed: count <= limit, retryAfterSeconds: retryAfterSeconds(ttlMs) };
  }

  /** Gives one hit of each running durable window back (reserved attempts that turned out not to count), in one statement. */
  async refundDurable(counters: readonly (readonly [type: string, id: string])[]): Promise<void> {
    const keys = counters.map(([type, id]) => this.keys.rate(type, id));
    if (keys.length === 0) return;
    await retryOnContention(this.pool, 'rate_limit.refund', () =>
      this.pool.query(`UPDATE \`${this.t.rateLimits}\` SET hits = hits - 1 WHERE rate_key IN (?) AND hits > 0 AND expires_at_ms > ?`, [keys, Date.now()]),
    );
  }

  /**
   * Counts one hit in each of several durable windows that Redis has already
   * counted and decided on (stores/budget-counters.ts): MySQL must hold them
   * too, or a Redis restart would forget them. `windowMs` is what is left of
   * Redis's window: a window restarted here ends when Redis's does.
   *
   * When every row is live, one statement counts them all: a multi-table
   * UPDATE joins the rows, so it counts in all or (a row missing or ended) in
   * none. Its assignments touch `hits` alone, because a multi-table UPDATE
   * gives no order to its assignments (a restart that set the window's end
   * first would read as a running window). Only when it counted nothing (a
   * key's first hit of a window) is each counted on its own, as `hit` does.
   */
  async recordDurable(counters: readonly (readonly [type: string, id: string, windowMs: number])[]): Promise<void> {
    if (counters.length === 0) return;
    const keys = counters.map(([type, id]) => this.keys.rate(type, id));
    const now = Date.now();
    const joins: string[] = [];
    const params: (string | number)[] = [];
    for (let i = 1; i < keys.length; i++) {
      joins.push(`JOIN \`${this.t.rateLimits}\` AS c${i} ON c${i}.rate_key = ? AND c${i}.expires_at_ms > ?`);
      params.push(keys[i]!, now);
    }
    params.push(keys[0]!, now);
    const sets = keys.map((_, i) => `c${i}.hits = c${i}.hits + 1`).join(', ');
    const [counted] = await retryOnContention(this.pool, 'rate_limit.record', () =>
      this.pool.query<any>(`UPDATE \`${this.t.rateLimits}\` AS c0 ${joins.join(' ')} SET ${sets} WHERE c0.rate_key = ? AND c0.expires_at_ms > ?`, params),
    );
    if (Number(counted.affectedRows) > 0) return;
    for (const [i, key] of keys.entries()) await this.hitMysql(key, Math.max(1, counters[i]![2]), Number.MAX_SAFE_INTEGER);
  }

  /** The running durable windows of the given types that hold hits (for copying them to Redis), in one statement. */
  async liveDurable(types: readonly string[]): Promise<{ key: string; hits: number; expiresAtMs: number }[]> {
    if (types.length === 0) return [];
    // The key prefix is the site's REDIS_KEY_PREFIX: its LIKE wildcards must stand for themselves.
    const patterns = types.map((type) => `${this.keys.rate(type, '').replace(/[\\%_]/g, '\\$&')}%`);
    const [rows] = await this.pool.query<any[]>(
      `SELECT rate_key, hits, expires_at_ms FROM \`${this.t.rateLimits}\` WHERE (${patterns.map(() => 'rate_key LIKE ?').join(' OR ')}) AND hits > 0 AND expires_at_ms > ?`,
      [...patterns, Date.now()],
    );
    return rows.map((r) => ({ key: String(r.rate_key), hits: Number(r.hits), expiresAtMs: Number(r.expires_at_ms) }));
  }

  /** Removes ended windows from MySQL (Redis expires its own). */
  async purgeExpired(): Promise<number> {
    const [r] = await retryOnContention(this.pool, 'rate_limit.purge', () =>
      this.pool.query<any>(`DELETE FROM \`${this.t.rateLimits}\` WHERE expires_at_ms <= ?`, [Date.now()]),
    );
    return Number(r.affectedRows ?? 0);
  }
}
