import type { Logger } from '../logger';
import type { RedisGuard } from '../redis/guard';
import { cellsOf, type AcquiresWithDay, type AcquireResult, type AcquireWithDayResult, type LockInfo, type LockRequest, type LockStore, type ReleaseResult, type VerifyResult } from './lock-store';
import type { MysqlLockStore } from './mysql-lock-store';
import type { AttemptMemo, RedisLockStore } from './redis-lock-store';

/** How stale the "MySQL holds live locks until T" watermark may get while MySQL has lock rows (other instances' fallback locks). */
const WATERMARK_REFRESH_MS = 1_000;
/**
 * …and while the last read found none, the usual state with Redis up: then
 * only a partial outage (another instance cut off from Redis, this one not)
 * can add rows, and its fallback holds are seen within this long (the
 * booking transaction stays the final guard meanwhile). At 1 s this read
 * was the largest steady database load left on a quiet site (one statement
 * a second per instance, `npm run bench -- dbload`).
 */
const WATERMARK_REFRESH_IDLE_MS = 5_000;

/**
 * Redis while the breaker is closed, MySQL while it is open or Redis is
 * disabled (RedisGuard counts and logs each fallback operation).
 *
 * Locks taken in MySQL during an outage outlive it: until they expire, an
 * acquire in Redis first asks MySQL whether any of its cells is held there,
 * and release/verify/list look in both stores. To keep that off the hot path
 * when no fallback lock exists, a watermark "MySQL has live locks until T"
 * is kept in memory: raised at once by this instance's own fallback locks,
 * re-read from MySQL at most once a second while MySQL has lock rows and
 * every 5 s while it has none, and read again before the first acquire
 * after an outage (so another instance's fallback locks are seen within 5 s
 * during a partial outage; the booking transaction stays the final guard
 * either way).
 */
export class ResilientLockStore implements LockStore, AcquiresWithDay {
  private mysqlLiveUntil = 0;
  /** MySQL may hold lock rows, live or expired and unswept (the last watermark read, or our own fallback writes since). */
  private mysqlHasRows = true;
  private watermarkReadAt = 0;
  private watermarkLoading: Promise<void> | undefined;

  constructor(
    private readonly guard: RedisGuard,
    private readonly redis: RedisLockStore,
    readonly mysql: MysqlLockStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    // Back on Redis after an outage (full or ours alone): other instances may have written fallback
    // locks meanwhile; the next acquire reads the watermark first instead of trusting an old read.
    guard.on('up', () => {
      this.watermarkReadAt = 0;
    });
  }

  /** True when the last acquire/release etc. would go to Redis. */
  private get onRedis(): boolean {
    return this.guard.up;
  }

  acquire(req: LockRequest): Promise<AcquireResult> {
    return this.acquireOn(req, false);
  }

  /** Redis's acquire-and-read-the-day; on MySQL (fallback) the same acquire without a day. */
  acquireWithDay(req: LockRequest): Promise<AcquireWithDayResult> {
    return this.acquireOn(req, true);
  }

  private async acquireOn(req: LockRequest, withDay: boolean): Promise<AcquireWithDayResult> {
    if (this.onRedis && (this.mysqlMayHoldLocksNow() ?? (await this.mysqlMayHoldLocksAfterFirstRead())) && (await this.mysql.anyLive(req.date, req.employeeId, req.cells))) {
      return { status: 'taken' };
    }
    const memo: AttemptMemo = {};
    const result = await this.guard.run<AcquireWithDayResult>(
      'locks',
      () => (withDay ? this.redis.acquireWithDay(req, memo) : this.redis.acquire(req, memo)),
      () => this.mysql.acquire(req),
    );
    if (result.status === 'acquired' && result.lock.store === 'mysql') {
      this.mysqlLiveUntil = Math.max(this.mysqlLiveUntil, result.lock.expiresAt);
      this.mysqlHasRows = true;
    }
    return result;
  }

  async verify(date: string, time: string, employeeId: number, lockId: string): Promise<VerifyResult> {
    return this.firstFound(
      () => this.redis.verify(date, time, employeeId, lockId),
      () => this.mysql.verify(date, time, employeeId, lockId),
    );
  }

  async release(date: string, time: string, employeeId: number, lockId: string | null): Promise<ReleaseResult> {
    const memo: AttemptMemo = {};
    return this.firstFound(
      () => this.redis.release(date, time, employeeId, lockId, memo),
      () => this.mysql.release(date, time, employeeId, lockId),
    );
  }

  async listDay(date: string, employeeId: number): Promise<LockInfo[]> {
    return this.both(
      () => this.redis.listDay(date, employeeId),
      () => this.mysql.listDay(date, employeeId),
      (a, b) => [...a, ...b],
    );
  }

  async listAll(): Promise<LockInfo[]> {
    return this.both(
      () => this.redis.listAll(),
      () => this.mysql.listAll(),
      (a, b) => [...a, ...b],
    );
  }

  async lockedCells(date: string, employeeId: number): Promise<Set<string>> {
    return cellsOf(await this.listDay(date, employeeId));
  }

  async lockedCellsMany(dates: string[], employeeId: number): Promise<Map<string, Set<string>>> {
    return this.both(
      () => this.redis.lockedCellsMany(dates, employeeId),
      () => this.mysql.lockedCellsMany(dates, employeeId),
      (a, b) => {
        for (const [d, cells] of b) {
          const into = a.get(d);
          if (into) for (const c of cells) into.add(c);
          else a.set(d, cells);
        }
        return a;
      },
    );
  }

  /**
   * Both stores: expiries in Redis (while reachable) and in MySQL. While
   * Redis serves, MySQL holds rows only after an outage, so the MySQL claim
   * (a transaction, every sweep of every instance: 6 statements a second
   * each, in `npm run bench -- dbload`) runs only while the watermark read —
   * once a second, shared with the lock path — says rows exist.
   */
  async takeExpired(limit = 500): Promise<LockInfo[]> {
    const fromRedis = (await this.guard.tryRedis(() => this.redis.takeExpired(limit))) ?? [];
    const fromMysql = this.onRedis && !(await this.mysqlMayHaveRows()) ? [] : await this.mysql.takeExpired(limit);
    return [...fromRedis, ...fromMysql];
  }

  /** Forget the watermark (tests, and an admin who knows better). */
  resetWatermark(): void {
    this.mysqlLiveUntil = 0;
    this.mysqlHasRows = true;
    this.watermarkReadAt = 0;
  }

  /**
   * Redis first while it is up; when Redis has no lock of this caller there
   * (nothing, or another token's: a split brain across an outage leaves one
   * of each) and MySQL may hold fallback locks, MySQL too. MySQL alone while
   * Redis is down or disabled.
   */
  private async firstFound<T extends { status: string }>(onRedis: () => Promise<T>, onMysql: () => Promise<T>): Promise<T> {
    if (!this.onRedis) return this.guard.run('locks', onRedis, onMysql);
    let usedRedis = true;
    const first = await this.guard.run('locks', onRedis, () => {
      usedRedis = false;
      return onMysql();
    });
    if (!usedRedis || (first.status !== 'not_found' && first.status !== 'not_owner')) return first;
    if (!(this.mysqlMayHoldLocksNow() ?? (await this.mysqlMayHoldLocksAfterFirstRead()))) return first;
    const second = await onMysql();
    if (second.status === 'not_found') return first;
    return second;
  }

  private async both<T>(onRedis: () => Promise<T>, onMysql: () => Promise<T>, merge: (a: T, b: T) => T): Promise<T> {
    if (!this.onRedis) return this.guard.run('locks', onRedis, onMysql);
    let usedRedis = true;
    const first = await this.guard.run('locks', onRedis, () => {
      usedRedis = false;
      return onMysql();
    });
    if (!usedRedis || !(this.mysqlMayHoldLocksNow() ?? (await this.mysqlMayHoldLocksAfterFirstRead()))) return first;
    return merge(first, await onMysql());
  }

  /** The watermark's answer without waiting, once it has been read; undefined before the first read. */
  private mysqlMayHoldLocksNow(): boolean | undefined {
    const now = this.now();
    if (this.mysqlLiveUntil > now) return true;
    if (this.watermarkReadAt === 0) return undefined;
    if (now - this.watermarkReadAt >= (this.mysqlHasRows ? WATERMARK_REFRESH_MS : WATERMARK_REFRESH_IDLE_MS)) void this.refreshWatermark();
    return false;
  }

  /** For the sweeper: rows to claim in MySQL? (Refreshes the watermark when stale, as the lock path does.) */
  private async mysqlMayHaveRows(): Promise<boolean> {
    if (this.mysqlMayHoldLocksNow() === undefined) await this.refreshWatermark();
    return this.mysqlHasRows;
  }

  /** Before the watermark was ever read: wait for that read (afterwards a stale-by-a-second answer is fine). */
  private async mysqlMayHoldLocksAfterFirstRead(): Promise<boolean> {
    await this.refreshWatermark();
    return this.mysqlLiveUntil > this.now();
  }

  private refreshWatermark(): Promise<void> {
    this.watermarkLoading ??= this.mysql
      .watermark()
      .then(({ liveUntil, anyRows }) => {
        this.mysqlLiveUntil = Math.max(liveUntil, this.mysqlLiveUntil > this.now() ? this.mysqlLiveUntil : 0);
        // A fallback lock of ours committed while this read was on its way still counts.
        this.mysqlHasRows = anyRows || this.mysqlLiveUntil > this.now();
        this.watermarkReadAt = this.now();
      })
      .catch((err) => {
        this.logger.warn({ err: (err as Error).message }, 'could not read the MySQL lock watermark');
        this.watermarkReadAt = this.now();
      })
      .finally(() => {
        this.watermarkLoading = undefined;
      });
    return this.watermarkLoading;
  }
}
