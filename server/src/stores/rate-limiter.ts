import { isDuplicateKey } from '../db/errors';
import { inTransaction, retryOnContention, type Pool } from '../db/pool';
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
 * the MySQL twin with one conditional UPDATE (an INSERT only for a key's first
 * hit), so concurrent hits are never lost on either.
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
      () => this.hitMysql(key, windowMs),
    );
    return { count, allowed: count <= limit, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  /**
   * The UPDATE restarts an expired window in the same statement that counts
   * the hit (the row lock makes concurrent hits queue); the read-back inside
   * the transaction sees exactly this hit's count. An existing key is never
   * upserted: INSERT … ON DUPLICATE KEY UPDATE takes an AUTO_INCREMENT id on
   * every call, so a flood of refused hits would use up the table's ids.
   */
  private async hitMysql(key: string, windowMs: number): Promise<readonly [number, number]> {
    return inTransaction(
      this.pool,
      async (conn) => {
        const now = Date.now();
        const count = () =>
          conn.query<any>(
            `UPDATE \`${this.t.rateLimits}\` SET hits = IF(expires_at_ms <= ?, 1, hits + 1), expires_at_ms = IF(expires_at_ms <= ?, ?, expires_at_ms) WHERE rate_key = ?`,
            [now, now, now + windowMs, key],
          );
        const [updated] = await count();
        if (Number(updated.affectedRows) === 0) {
          try {
            await conn.query(`INSERT INTO \`${this.t.rateLimits}\` (rate_key, hits, expires_at_ms) VALUES (?, 1, ?)`, [key, now + windowMs]);
          } catch (err) {
            // The key's first hit from another request committed meanwhile: count on its row.
            if (!isDuplicateKey(err)) throw err;
            await count();
          }
        }
        const [rows] = await conn.query<any[]>(`SELECT hits, expires_at_ms FROM \`${this.t.rateLimits}\` WHERE rate_key = ?`, [key]);
        return [Number(rows[0].hits), Math.max(0, Number(rows[0].expires_at_ms) - now)] as const;
      },
      // No gap lock on an absent key: concurrent first hits meet on the unique key instead of deadlocking.
      { name: 'rate_limit.hit', isolation: 'READ COMMITTED' },
    );
  }

  /**
   * Counts in MySQL whatever Redis does: for budgets that span hours and must
   * hold across a Redis restart or outage (a counter lost with Redis would be
   * a fresh budget). Same window rules as `hit`.
   */
  async hitDurable(type: string, id: string, limit: number, windowSeconds: number): Promise<RateHit> {
    const [count, ttlMs] = await this.hitMysql(this.keys.rate(type, id), windowSeconds * 1000);
    return { count, allowed: count <= limit, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  /** Gives one hit of a running durable window back (a reserved attempt that turned out not to count). */
  async refundDurable(type: string, id: string): Promise<void> {
    const key = this.keys.rate(type, id);
    await retryOnContention(this.pool, 'rate_limit.refund', () =>
      this.pool.query(`UPDATE \`${this.t.rateLimits}\` SET hits = hits - 1 WHERE rate_key = ? AND hits > 0 AND expires_at_ms > ?`, [key, Date.now()]),
    );
  }

  /** Removes ended windows from MySQL (Redis expires its own). */
  async purgeExpired(): Promise<number> {
    const [r] = await retryOnContention(this.pool, 'rate_limit.purge', () => this.pool.query<any>(`DELETE FROM \`${this.t.rateLimits}\` WHERE expires_at_ms <= ?`, [Date.now()]));
    return Number(r.affectedRows ?? 0);
  }
}
