import { inTransaction, type Pool } from '../db/pool';
import type { Tables } from '../db/schema';
import type { RedisGuard } from '../redis/guard';
import type { RedisKeys } from '../redis/keys';
import { runScript } from '../redis/scripts';

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
 * the MySQL twin with one upsert, so concurrent hits are never lost on either.
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
        const [n, ttl] = await runScript<[number, number]>(r, 'rate-hit', [key], [windowMs]);
        return [Number(n), Number(ttl)] as const;
      },
      () => this.hitMysql(key, windowMs),
    );
    return { count, allowed: count <= limit, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  /**
   * The upsert restarts an expired window in the same statement that counts
   * the hit (the row lock makes concurrent hits queue); the read-back inside
   * the transaction sees exactly this hit's count.
   */
  private async hitMysql(key: string, windowMs: number): Promise<readonly [number, number]> {
    // InnoDB may pick concurrent first inserts of one key as deadlock victims; the retry then finds the row.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.upsertHit(key, windowMs);
      } catch (err: any) {
        if (err?.code !== 'ER_LOCK_DEADLOCK' || attempt >= 5) throw err;
      }
    }
  }

  private async upsertHit(key: string, windowMs: number): Promise<readonly [number, number]> {
    return inTransaction(this.pool, async (conn) => {
      const now = Date.now();
      await conn.query(
        `INSERT INTO \`${this.t.rateLimits}\` (rate_key, hits, expires_at_ms) VALUES (?, 1, ?)
           ON DUPLICATE KEY UPDATE
             hits = IF(expires_at_ms <= ?, 1, hits + 1),
             expires_at_ms = IF(expires_at_ms <= ?, ?, expires_at_ms)`,
        [key, now + windowMs, now, now, now + windowMs],
      );
      const [rows] = await conn.query<any[]>(`SELECT hits, expires_at_ms FROM \`${this.t.rateLimits}\` WHERE rate_key = ?`, [key]);
      return [Number(rows[0].hits), Math.max(0, Number(rows[0].expires_at_ms) - now)] as const;
    });
  }

  /** Removes ended windows from MySQL (Redis expires its own). */
  async purgeExpired(): Promise<number> {
    const [r] = await this.pool.query<any>(`DELETE FROM \`${this.t.rateLimits}\` WHERE expires_at_ms <= ?`, [Date.now()]);
    return Number(r.affectedRows ?? 0);
  }
}
