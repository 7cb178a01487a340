import { isDuplicateKey } from '../db/errors';
import { inTransaction, retryOnContention, type Pool } from '../db/pool';
import type { Tables } from '../db/schema';
import type { RedisGuard } from '../redis/guard';
import type { RedisKeys } from '../redis/keys';
import { otpAttempt, otpConsume, otpIssue } from '../redis/scripts';

/** The outcome of reserving one verification attempt. */
export type AttemptGrant =
  | { kind: 'missing' }
  | { kind: 'exhausted' }
  /** An attempt is counted; the caller compares `hash` and then consumes on a match. */
  | { kind: 'granted'; hash: string };

/**
 * One-time code storage (blueprint: `otp:{email}`, OTP_TTL_SECONDS), keyed by
 * the normalised email, holding only the code's HMAC and its attempt count.
 * Redis while up, the `appointease_otps` table otherwise; both give the same
 * guarantees: an attempt is counted atomically *before* the comparison, so
 * no number of concurrent guesses gets more than `maxAttempts` comparisons,
 * and consuming is a compare-and-delete, so a code works once.
 */
export class CodeStore {
  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: RedisKeys,
    private readonly pool: Pool,
    private readonly t: Tables,
  ) {}

  /** Stores a new code hash, voiding the previous code and its attempts. */
  async issue(email: string, hash: string, ttlMs: number): Promise<void> {
    const store = await this.guard.run(
      'otp',
      async (r) => {
        await otpIssue(r, { otpKey: this.keys.otp(email), codeHash: hash, ttlMs });
        return 'redis' as const;
      },
      async () => {
        await retryOnContention(this.pool, 'otp.issue', () => this.issueMysql(email, hash, Date.now() + ttlMs));
        return 'mysql' as const;
      },
    );
    // A code left in the twin by an outage must not come back if Redis fails again.
    if (store === 'redis') await retryOnContention(this.pool, 'otp.issue', () => this.pool.query(`DELETE FROM \`${this.t.otps}\` WHERE email = ?`, [email]));
  }

  /** Replaces the address's code; only an address without a row inserts (an upsert would use up an AUTO_INCREMENT id on every new code). */
  private async issueMysql(email: string, hash: string, expiresAt: number): Promise<void> {
    const replace = () =>
      this.pool.query<any>(`UPDATE \`${this.t.otps}\` SET code_hash = ?, attempts = 0, expires_at_ms = ? WHERE email = ?`, [hash, expiresAt, email]);
    const [updated] = await replace();
    if (Number(updated.affectedRows) > 0) return;
    try {
      await this.pool.query(`INSERT INTO \`${this.t.otps}\` (email, code_hash, attempts, expires_at_ms) VALUES (?, ?, 0, ?)`, [email, hash, expiresAt]);
    } catch (err) {
      // Another request for the same address inserted first: this newer code replaces its code.
      if (!isDuplicateKey(err)) throw err;
      await replace();
    }
  }

  async reserveAttempt(email: string, maxAttempts: number): Promise<AttemptGrant> {
    return this.guard.run(
      'otp',
      async (r) => {
        const attempt = await otpAttempt(r, { otpKey: this.keys.otp(email), maxAttempts });
        return attempt.outcome === 'granted' ? { kind: 'granted', hash: attempt.codeHash } : { kind: attempt.outcome };
      },
      () => this.reserveAttemptMysql(email, maxAttempts),
    );
  }

  /**
   * The conditional increment is the gate; only the transaction that won it reads the hash (its own
   * locked row; a loser reads what is committed). READ COMMITTED, the pool's level, is all it needs.
   */
  private async reserveAttemptMysql(email: string, maxAttempts: number): Promise<AttemptGrant> {
    return inTransaction(this.pool, async (conn) => {
      const now = Date.now();
      const [upd] = await conn.query<any>(
        `UPDATE \`${this.t.otps}\` SET attempts = attempts + 1 WHERE email = ? AND expires_at_ms > ? AND attempts < ?`,
        [email, now, maxAttempts],
      );
      const [rows] = await conn.query<any[]>(`SELECT code_hash, attempts, expires_at_ms FROM \`${this.t.otps}\` WHERE email = ?`, [email]);
      const row = rows[0];
      if (Number(upd.affectedRows) === 1 && row) return { kind: 'granted', hash: String(row.code_hash) };
      if (!row || Number(row.expires_at_ms) <= now) return { kind: 'missing' };
      return { kind: 'exhausted' };
    }, { name: 'otp.attempt' });
  }

  /** Uses the code up; false when another request used it first or a new code replaced it. */
  async consume(email: string, hash: string): Promise<boolean> {
    return this.guard.run(
      'otp',
      // Asked again after a late reply, "gone" is most likely this request's own first run.
      async (r, retry) => {
        const outcome = await otpConsume(r, { otpKey: this.keys.otp(email), codeHash: hash });
        return outcome === 'consumed' || (retry && outcome === 'gone');
      },
      async () => {
        const [res] = await retryOnContention(this.pool, 'otp.consume', () =>
          this.pool.query<any>(`DELETE FROM \`${this.t.otps}\` WHERE email = ? AND code_hash = ? AND expires_at_ms > ?`, [email, hash, Date.now()]),
        );
        return Number(res.affectedRows) === 1;
      },
    );
  }

  async purgeExpired(): Promise<number> {
    const [r] = await retryOnContention(this.pool, 'otp.purge', () => this.pool.query<any>(`DELETE FROM \`${this.t.otps}\` WHERE expires_at_ms <= ?`, [Date.now()]));
    return Number(r.affectedRows ?? 0);
  }
}
