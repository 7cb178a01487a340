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
    return { count, allowed: count <= limit, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
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
   * Counts in MySQL whatever Redis does: for budgets that span hours and must
   * hold across a Redis restart or outage (a counter lost with Redis would be
   * a fresh budget). Same window rules as `hit`.
   */
  async hitDurable(type: string, id: string, limit: number, windowSeconds: number): Promise<RateHit> {
    const [count, ttlMs] = await this.hitMysql(this.keys.rate(type, id), windowSeconds * 1000, limit);
    return { count, allowed: count <= limit, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  /** Gives one hit of each running durable window back (reserved attempts that turned out not to count), in one statement. */
  async refundDurable(counters: readonly (readonly [type: string, id: string])[]): Promise<void> {
    const keys = counters.map(([type, id]) => this.keys.rate(type, id));
    if (keys.length === 0) return;
    await retryOnContention(this.pool, 'rate_limit.refund', () =>
      this.pool.query(`UPDATE \`${this.t.rateLimits}\` SET hits = hits - 1 WHERE rate_key IN (?) AND hits > 0 AND expires_at_ms > ?`, [keys, Date.now()]),
    );
  }

  /** Removes ended windows from MySQL (Redis expires its own). */
  async purgeExpired(): Promise<number> {
    const [r] = await retryOnContention(this.pool, 'rate_limit.purge', () => this.pool.query<any>(`DELETE FROM \`${this.t.rateLimits}\` WHERE expires_at_ms <= ?`, [Date.now()]));
    return Number(r.affectedRows ?? 0);
  }
}
