import { createHash, randomBytes } from 'node:crypto';
import { retryOnContention, type Pool } from '../db/pool';
import type { Tables } from '../db/schema';
import type { RedisGuard } from '../redis/guard';
import type { RedisKeys } from '../redis/keys';
import type { Logger } from '../logger';

export interface CustomerSession {
  email: string;
  expiresAt: number;
}

/** How stale the "MySQL holds sessions Redis lacks until T" watermark may get (other instances' sessions). */
const WATERMARK_REFRESH_MS = 1_000;
/** Sessions copied to Redis per round trip when Redis returns. */
const COPY_BATCH = 500;

/**
 * Customer sessions (blueprint: `session:{token}`, SESSION_TTL_SECONDS).
 * Tokens are 256 random bits; only their SHA-256 is stored, in Redis and in
 * MySQL alike, so a dump of either cannot be replayed. MySQL holds every
 * session (a login is rare, a Redis outage must not log everyone out); Redis
 * is the fast path while up.
 *
 * A Redis miss is final — an unknown token costs no MySQL query — unless
 * MySQL may hold a session Redis lacks. Two things say so, the lock store's
 * watermark idea twice over:
 * - a session written while Redis could not take it is marked `in_redis = 0`;
 *   "such sessions live until T" is kept in memory, raised at once by this
 *   instance's own and re-read from MySQL at most once a second (another
 *   instance's, within a second);
 * - the `sessions-copied` key says Redis holds every session MySQL does. It
 *   is read with the session itself (one MGET); a Redis restart without
 *   persistence, a flush or a first start leaves it missing.
 * When Redis answers again (and at start-up), Redis is given what it lacks —
 * every live session when the key is missing, else the `in_redis = 0` ones —
 * and then both signals clear, so after an outage a random token is free
 * again within seconds, not after the sessions' 24 hours.
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
  /** This instance's own sessions without a Redis copy live until this instant (until a copy clears it). */
  private ownRedisLessUntil = 0;
  /** Any instance's, as last read from MySQL. */
  private readRedisLessUntil = 0;
  private watermarkReadAt = 0;
  private watermarkLoading: Promise<void> | undefined;
  private replaying: Promise<void> | undefined;
  private copying: Promise<void> | undefined;

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: RedisKeys,
    private readonly pool: Pool,
    private readonly t: Tables,
    private readonly ttlSeconds: number,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    guard.on('up', () => void this.recover());
    // Tombstones and Redis-less sessions left by another (perhaps stopped) instance while Redis was down.
    if (guard.state === 'up') void this.recover();
  }

  static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  async create(email: string): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const hash = SessionStore.hash(token);
    const expiresAt = Date.now() + this.ttlSeconds * 1000;
    const toRedis = this.guard.up;
    await retryOnContention(this.pool, 'session.create', () =>
      this.pool.query(`INSERT INTO \`${this.t.sessions}\` (token_hash, email, expires_at_ms, in_redis) VALUES (?, ?, ?, ?)`, [hash, email, expiresAt, toRedis ? 1 : 0]),
    );
    const copied = toRedis && (await this.guard.tryRedis((r) => r.set(this.keys.session(hash), JSON.stringify({ email, expiresAt }), 'PX', this.ttlSeconds * 1000))) !== undefined;
    if (!copied) {
      // Nobody has the token yet: marking the row now is in time for every instance's next watermark read.
      this.ownRedisLessUntil = Math.max(this.ownRedisLessUntil, expiresAt);
      if (toRedis) await retryOnContention(this.pool, 'session.create', () => this.pool.query(`UPDATE \`${this.t.sessions}\` SET in_redis = 0 WHERE token_hash = ?`, [hash]));
    }
    return { token, expiresAt };
  }

  async get(token: string): Promise<CustomerSession | undefined> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
    const hash = SessionStore.hash(token);
    if (this.pendingRevocations.has(hash)) return undefined;
    // Right after Redis returns it may still hold sessions revoked during the outage:
    // wait for the replay (a few DELs) rather than serve one of them.
    if (this.replaying) await this.replaying;
    const read = await this.guard.run<{ raw: string | null; copied: boolean } | undefined>(
      'session',
      async (r) => {
        const [raw, copied] = await r.mget(this.keys.session(hash), this.keys.sessionsCopied());
        return { raw: raw ?? null, copied: copied !== null };
      },
      async () => undefined, // Redis down or disabled: MySQL below
    );
    let session: CustomerSession | undefined;
    if (read?.raw) session = JSON.parse(read.raw) as CustomerSession;
    else if (!read || !read.copied || (await this.mayHoldRedisLessSessions())) {
      if (read && !read.copied) void this.startCopy();
      session = await this.fromMysql(hash);
    }
    if (!session || session.expiresAt <= Date.now()) return undefined;
    return session;
  }

  async revoke(token: string): Promise<void> {
    const hash = SessionStore.hash(token);
    const write = (sql: string) => retryOnContention(this.pool, 'session.revoke', () => this.pool.query(sql, [hash]));
    if (this.guard.state === 'disabled') {
      await write(`DELETE FROM \`${this.t.sessions}\` WHERE token_hash = ?`);
      return;
    }
    // Tombstone first: a copy to Redis running meanwhile re-reads MySQL after writing, and takes back what is no longer live.
    await write(`UPDATE \`${this.t.sessions}\` SET expires_at_ms = 0 WHERE token_hash = ?`);
    if ((await this.guard.tryRedis((r) => r.del(this.keys.session(hash)))) !== undefined) {
      await write(`DELETE FROM \`${this.t.sessions}\` WHERE token_hash = ? AND expires_at_ms = 0`);
      return;
    }
    this.pendingRevocations.add(hash);
  }

  private async fromMysql(hash: string): Promise<CustomerSession | undefined> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT email, expires_at_ms FROM \`${this.t.sessions}\` WHERE token_hash = ? AND expires_at_ms > ?`,
      [hash, Date.now()],
    );
    return rows[0] ? { email: String(rows[0].email), expiresAt: Number(rows[0].expires_at_ms) } : undefined;
  }

  /**
   * Whether a session Redis lacks may be live. A stale watermark is re-read
   * before answering (one query a second at most, however many tokens miss).
   */
  private async mayHoldRedisLessSessions(): Promise<boolean> {
    if (this.ownRedisLessUntil > Date.now()) return true;
    if (Date.now() - this.watermarkReadAt >= WATERMARK_REFRESH_MS) await this.refreshWatermark();
    return this.readRedisLessUntil > Date.now();
  }

  private refreshWatermark(): Promise<void> {
    this.watermarkLoading ??= this.pool
      .query<any[]>(`SELECT MAX(expires_at_ms) AS until_ms FROM \`${this.t.sessions}\` WHERE in_redis = 0 AND expires_at_ms > ?`, [Date.now()])
      .then(([rows]) => {
        this.readRedisLessUntil = Number(rows[0]?.until_ms ?? 0);
        this.watermarkReadAt = Date.now();
      })
      .catch((err) => {
        // Keep the last answer; the next miss a second later asks again.
        this.logger?.warn({ err }, 'could not read the session watermark');
        this.watermarkReadAt = Date.now();
      })
      .finally(() => {
        this.watermarkLoading = undefined;
      });
    return this.watermarkLoading;
  }

  /** Redis answers (again): revocations it missed first, then the sessions it lacks. */
  private recover(): Promise<void> {
    return this.startReplay().then(() => this.startCopy());
  }

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

  private startCopy(): Promise<void> {
    this.copying ??= this.copyToRedis()
      .catch((err) => this.logger?.warn({ err }, 'could not copy sessions to Redis; MySQL keeps answering for them'))
      .finally(() => {
        this.copying = undefined;
      });
    return this.copying;
  }

  /**
   * Gives Redis the live sessions it lacks, in batches: all of them when
   * `sessions-copied` is missing or names another Redis run (then sets it),
   * else those marked `in_redis = 0`. A session revoked while a batch was being written is
   * found no longer live in MySQL right after, and deleted again (revoke
   * writes its tombstone before it deletes the Redis key, so one of the two
   * always sees the other).
   */
  private async copyToRedis(): Promise<void> {
    // The marker holds the run id of the Redis that got the full copy: a restarted Redis
    // (which may have kept the marker but lost the last writes before the crash) gets it again.
    const state = await this.guard.tryRedis(async (r) => [await r.get(this.keys.sessionsCopied()), /^run_id:(\w+)/m.exec(await r.info('server'))?.[1] ?? ''] as const);
    if (state === undefined) return;
    const [marker, runId] = state;
    const everything = marker !== runId;
    let lastId = 0;
    for (;;) {
      const now = Date.now();
      const [rows] = await this.pool.query<any[]>(
        `SELECT id, token_hash, email, expires_at_ms FROM \`${this.t.sessions}\`
          WHERE id > ? AND expires_at_ms > ? ${everything ? '' : 'AND in_redis = 0'} ORDER BY id LIMIT ?`,
        [lastId, now, COPY_BATCH],
      );
      if (rows.length === 0) break;
      lastId = Number(rows[rows.length - 1].id);
      const written = await this.guard.tryRedis(async (r) => {
        const batch = r.pipeline();
        for (const row of rows) {
          const expiresAt = Number(row.expires_at_ms);
          batch.set(this.keys.session(String(row.token_hash)), JSON.stringify({ email: String(row.email), expiresAt }), 'PX', Math.max(1, expiresAt - now));
        }
        const results = (await batch.exec()) ?? [];
        const failed = results.find(([err]) => err);
        if (failed) throw failed[0];
        return true;
      });
      if (written === undefined) return;
      const hashes = rows.map((row) => String(row.token_hash));
      const [still] = await this.pool.query<any[]>(`SELECT token_hash FROM \`${this.t.sessions}\` WHERE token_hash IN (?) AND expires_at_ms > ?`, [hashes, Date.now()]);
      const live = new Set(still.map((row) => String(row.token_hash)));
      const gone = hashes.filter((h) => !live.has(h));
      if (gone.length && (await this.guard.tryRedis((r) => r.del(...gone.map((h) => this.keys.session(h))))) === undefined) return;
      if (live.size) await retryOnContention(this.pool, 'session.copy', () => this.pool.query(`UPDATE \`${this.t.sessions}\` SET in_redis = 1 WHERE token_hash IN (?) AND in_redis = 0`, [[...live]]));
      if (rows.length < COPY_BATCH) break;
    }
    if (everything && (await this.guard.tryRedis((r) => r.set(this.keys.sessionsCopied(), runId))) === undefined) return;
    // Redis holds them all now: forget the watermark (a session written Redis-less meanwhile is re-read from MySQL).
    this.ownRedisLessUntil = 0;
    this.watermarkReadAt = 0;
  }

  /** Removes expired MySQL rows (Redis expires its own). */
  async purgeExpired(): Promise<number> {
    const [r] = await retryOnContention(this.pool, 'session.purge', () => this.pool.query<any>(`DELETE FROM \`${this.t.sessions}\` WHERE expires_at_ms > 0 AND expires_at_ms <= ?`, [Date.now()]));
    return Number(r.affectedRows ?? 0);
  }
}
