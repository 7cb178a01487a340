import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '../db/pool';
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
 * MySQL alike, so a dump of either cannot be replayed. Sessions are written
 * to both stores (a login is rare, a Redis outage must not log everyone out)
 * and read from Redis while it is up, else from MySQL. A revocation during an
 * outage cannot reach Redis, so it is remembered and replayed when Redis is
 * back, and a revoked hash is also refused locally until then.
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
    guard.on('up', () => void this.replayRevocations());
  }

  static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  async create(email: string): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const hash = SessionStore.hash(token);
    const expiresAt = Date.now() + this.ttlSeconds * 1000;
    await this.pool.query(`INSERT INTO \`${this.t.sessions}\` (token_hash, email, expires_at_ms) VALUES (?, ?, ?)`, [hash, email, expiresAt]);
    await this.guard.tryRedis((r) => r.set(this.keys.session(hash), JSON.stringify({ email, expiresAt }), 'PX', this.ttlSeconds * 1000));
    return { token, expiresAt };
  }

  async get(token: string): Promise<CustomerSession | undefined> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
    const hash = SessionStore.hash(token);
    if (this.pendingRevocations.has(hash)) return undefined;
    const session = await this.guard.run(
      'session',
      async (r) => {
        const raw = await r.get(this.keys.session(hash));
        return raw ? (JSON.parse(raw) as CustomerSession) : undefined;
      },
      () => this.fromMysql(hash),
    );
    if (!session || session.expiresAt <= Date.now()) return undefined;
    return session;
  }

  async revoke(token: string): Promise<void> {
    const hash = SessionStore.hash(token);
    await this.pool.query(`DELETE FROM \`${this.t.sessions}\` WHERE token_hash = ?`, [hash]);
    const done = await this.guard.tryRedis((r) => r.del(this.keys.session(hash)));
    if (done === undefined && this.guard.state !== 'disabled') this.pendingRevocations.add(hash);
  }

  private async fromMysql(hash: string): Promise<CustomerSession | undefined> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT email, expires_at_ms FROM \`${this.t.sessions}\` WHERE token_hash = ? AND expires_at_ms > ?`,
      [hash, Date.now()],
    );
    return rows[0] ? { email: String(rows[0].email), expiresAt: Number(rows[0].expires_at_ms) } : undefined;
  }

  private async replayRevocations(): Promise<void> {
    for (const hash of [...this.pendingRevocations]) {
      const done = await this.guard.tryRedis((r) => r.del(this.keys.session(hash)));
      if (done !== undefined) this.pendingRevocations.delete(hash);
    }
  }

  /** Removes expired MySQL rows (Redis expires its own). */
  async purgeExpired(): Promise<number> {
    const [r] = await this.pool.query<any>(`DELETE FROM \`${this.t.sessions}\` WHERE expires_at_ms <= ?`, [Date.now()]);
    return Number(r.affectedRows ?? 0);
  }
}
