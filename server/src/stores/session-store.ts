import { createHash, randomBytes } from 'node:crypto';
import { retryOnContention, type Pool } from '../db/pool';
import type { Tables } from '../db/schema';
import type { RedisGuard } from '../redis/guard';
import type { RedisKeys } from '../redis/keys';

export interface CustomerSession {
  email: string;
  expiresAt: number;
}

/**
 * Customer sessions (blueprint: `session:{token}`, SESSION_TTL_SECONDS).
 * Tokens are 256 random bits; only their SHA-256 is stored, in Redis and in
 * MySQL alike, so a dump of either cannot be replayed. MySQL holds every
 * session (a login is rare, a Redis outage must not log everyone out); Redis
 * is the fast path while up. A Redis miss falls through to MySQL, so a
 * session created during an outage (or whose Redis write failed) keeps
 * working after Redis returns.
 *
 * A revocation during an outage cannot reach Redis, where the session would
 * otherwise come back to life on recovery, on every instance. So the MySQL row
 * is kept as a tombstone (`expires_at_ms = 0`) instead of deleted; whichever
 * instance sees Redis come back (or starts with it up) deletes the Redis keys
 * of all tombstones, then the tombstones. Until then this instance also
 * refuses the hash locally.
 */
export class SessionStore {
  private readonly pendingRevocations = new Set<string>();

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: RedisKeys,
    private readonly pool: Pool,
    private readonly t: Tables,
    private readonly ttlSeconds: number,
  ) {
    guard.on('up', () => void this.startReplay());
    // Tombstones left by another (perhaps stopped) instance while Redis was down.
    if (guard.state === 'up') void this.startReplay();
  }

  static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  async create(email: string): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const hash = SessionStore.hash(token);
    const expiresAt = Date.now() + this.ttlSeconds * 1000;
    await retryOnContention(this.pool, 'session.create', () => this.pool.query(`INSERT INTO \`${this.t.sessions}\` (token_hash, email, expires_at_ms) VALUES (?, ?, ?)`, [hash, email, expiresAt]));
    await this.guard.tryRedis((r) => r.set(this.keys.session(hash), JSON.stringify({ email, expiresAt }), 'PX', this.ttlSeconds * 1000));
    return { token, expiresAt };
  }

  async get(token: string): Promise<CustomerSession | undefined> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
    const hash = SessionStore.hash(token);
    if (this.pendingRevocations.has(hash)) return undefined;
    // Right after Redis returns it may still hold sessions revoked during the outage:
    // wait for the replay (a few DELs) rather than serve one of them.
    if (this.replaying) await this.replaying;
    let session = await this.guard.run(
      'session',
      async (r) => {
        const raw = await r.get(this.keys.session(hash));
        return raw ? (JSON.parse(raw) as CustomerSession) : undefined;
      },
      () => this.fromMysql(hash),
    );
    // A Redis miss is not final: the session may have been created while Redis was down.
    if (!session && this.guard.up) session = await this.fromMysql(hash);
    if (!session || session.expiresAt <= Date.now()) return undefined;
    return session;
  }

  async revoke(token: string): Promise<void> {
    const hash = SessionStore.hash(token);
    const removed = this.guard.state === 'disabled' ? true : (await this.guard.tryRedis((r) => r.del(this.keys.session(hash)))) !== undefined;
    if (removed) {
      await retryOnContention(this.pool, 'session.revoke', () => this.pool.query(`DELETE FROM \`${this.t.sessions}\` WHERE token_hash = ?`, [hash]));
      return;
    }
    this.pendingRevocations.add(hash);
    await retryOnContention(this.pool, 'session.revoke', () => this.pool.query(`UPDATE \`${this.t.sessions}\` SET expires_at_ms = 0 WHERE token_hash = ?`, [hash]));
  }

  private async fromMysql(hash: string): Promise<CustomerSession | undefined> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT email, expires_at_ms FROM \`${this.t.sessions}\` WHERE token_hash = ? AND expires_at_ms > ?`,
      [hash, Date.now()],
    );
    return rows[0] ? { email: String(rows[0].email), expiresAt: Number(rows[0].expires_at_ms) } : undefined;
  }

  private replaying: Promise<void> | undefined;

  private startReplay(): Promise<void> {
    this.replaying ??= this.replayRevocations()
      .catch(() => {})
      .finally(() => {
        this.replaying = undefined;
      });
    return this.replaying;
  }

  private async replayRevocations(): Promise<void> {
    const [rows] = await this.pool.query<any[]>(`SELECT token_hash FROM \`${this.t.sessions}\` WHERE expires_at_ms = 0 LIMIT 10000`);
    const hashes = new Set<string>([...this.pendingRevocations, ...rows.map((r) => String(r.token_hash))]);
    for (const hash of hashes) {
      const done = await this.guard.tryRedis((r) => r.del(this.keys.session(hash)));
      if (done === undefined) return;
      this.pendingRevocations.delete(hash);
      await retryOnContention(this.pool, 'session.revoke', () => this.pool.query(`DELETE FROM \`${this.t.sessions}\` WHERE token_hash = ? AND expires_at_ms = 0`, [hash]));
    }
  }

  /** Removes expired MySQL rows (Redis expires its own). */
  async purgeExpired(): Promise<number> {
    const [r] = await retryOnContention(this.pool, 'session.purge', () => this.pool.query<any>(`DELETE FROM \`${this.t.sessions}\` WHERE expires_at_ms > 0 AND expires_at_ms <= ?`, [Date.now()]));
    return Number(r.affectedRows ?? 0);
  }
}
