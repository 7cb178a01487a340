import type { Redis } from 'ioredis';
import type { RedisGuard } from '../redis/guard';
import type { RedisKeys } from '../redis/keys';
import { lockAcquire, lockRelease, lockTakeExpired } from '../redis/scripts';
import { decodeCachedDay } from './availability-cache';
import {
  cellsOf,
  dayMember,
  decodeLock,
  encodeLock,
  parseDayMember,
  type AcquiresWithDay,
  type AcquireWithDayResult,
  type LockInfo,
  type LockRequest,
  type LockStore,
  type ReleaseResult,
  type VerifyResult,
} from './lock-store';

/** Expired index entries wait this long for a sweeper before acquire trims them. */
const INDEX_GRACE_MS = 3_600_000;

const NO_READ_KEYS: readonly string[] = [];

/**
 * What the earlier runs of one operation did. RedisGuard runs an operation
 * again after a reply later than the command timeout, and the first run may
 * have happened: an acquire keeps its expiry (the script finds its own lock
 * and says acquired), a release remembers the lock it was freeing.
 */
export interface AttemptMemo {
  /** The acquire's clock reading, so a second run writes and reports the same expiry. */
  at?: number;
  /** The lock a release found and went on to free. */
  releasing?: LockInfo;
}

/**
 * Slot locks in Redis. Every covered cell is a key `slot:{date}:{time}:emp{id}`
 * with the lock's PX TTL (so `redis-cli ttl` works as the blueprint says); the
 * employee-day index makes listing O(locks of that day) without KEYS. All
 * check-then-act steps are Lua scripts (redis/scripts.ts); keys, arguments and
 * the decoding of what they return stay in this adapter.
 *
 * The connection is the guard's: the resilient wrapper runs these methods
 * under RedisGuard.run, so they throw on connection errors and never fall
 * back themselves.
 */
export class RedisLockStore implements LockStore, AcquiresWithDay {
  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: RedisKeys,
    private readonly now: () => number = Date.now,
  ) {}

  private get redis(): Redis {
    const redis = this.guard.redis;
    if (!redis) throw new Error('RedisLockStore used with Redis disabled');
    return redis;
  }

  acquire(req: LockRequest, memo: AttemptMemo = {}): Promise<AcquireWithDayResult> {
    return this.take(req, NO_READ_KEYS, memo);
  }

  /** Takes the lock and reads the day's cached availability (plan and generations) in the same script call. */
  acquireWithDay(req: LockRequest, memo: AttemptMemo = {}): Promise<AcquireWithDayResult> {
    return this.take(req, [this.keys.availability(req.date, req.employeeId), this.keys.availabilityGeneration(req.date, req.employeeId), this.keys.catalogueGeneration()], memo);
  }

  private async take(req: LockRequest, readKeys: readonly string[], memo: AttemptMemo): Promise<AcquireWithDayResult> {
    const now = (memo.at ??= this.now());
    const lock: LockInfo = {
      date: req.date,
      time: req.time,
      times: req.cells,
      employeeId: req.employeeId,
      serviceId: req.serviceId,
      owner: req.owner,
      lockId: req.lockId,
      expiresAt: now + req.ttlMs,
      store: 'redis',
    };
    const { outcome, read } = await lockAcquire(this.redis, {
      dayIndex: this.keys.lockIndex(req.date, req.employeeId),
      lockDays: this.keys.lockDays(),
      clientLocks: this.keys.clientLocks(req.owner),
      cellKeys: req.cells.map((c) => this.keys.slot(req.date, c, req.employeeId)),
      readKeys,
      encodedLock: encodeLock(lock),
      lockId: req.lockId,
      ttlMs: req.ttlMs,
      expiresAt: lock.expiresAt,
      now,
      maxPerClient: req.maxPerClient,
      dayMember: dayMember(req.date, req.employeeId),
      indexGraceMs: INDEX_GRACE_MS,
    });
    const day = readKeys.length ? decodeCachedDay(read[0] ?? null, read[1] ?? null, read[2] ?? null) : undefined;
    return outcome === 'acquired' ? { status: outcome, lock, day } : { status: outcome, day };
  }

  /** The lock covering one cell, read from the cell's own value (one GET). */
  private async lockAt(date: string, time: string, employeeId: number): Promise<{ lock: LockInfo; raw: string } | undefined> {
    const raw = await this.redis.get(this.keys.slot(date, time, employeeId));
    if (!raw) return undefined;
    const lock = decodeLock(raw, date, employeeId);
    return lock ? { lock, raw } : undefined;
  }

  async verify(date: string, time: string, employeeId: number, lockId: string): Promise<VerifyResult> {
    const found = await this.lockAt(date, time, employeeId);
    if (!found) return { status: 'not_found' };
    return found.lock.lockId === lockId ? { status: 'valid', lock: found.lock } : { status: 'not_owner' };
  }

  async release(date: string, time: string, employeeId: number, lockId: string | null, memo: AttemptMemo = {}): Promise<ReleaseResult> {
    // The cell's value names the lock's cells and owner; the script re-checks it did not change.
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await this.lockAt(date, time, employeeId);
      // An earlier run whose answer came too late freed it (or it expired since): released either way.
      const freed = memo.releasing;
      if (freed && found?.lock.lockId !== freed.lockId) return { status: 'released', lock: freed };
      if (!found) return { status: 'not_found' };
      const { lock, raw } = found;
      if (lockId !== null && lock.lockId !== lockId) return { status: 'not_owner' };
      memo.releasing = lock;
      const outcome = await lockRelease(this.redis, {
        dayIndex: this.keys.lockIndex(date, employeeId),
        lockDays: this.keys.lockDays(),
        clientLocks: this.keys.clientLocks(lock.owner),
        cellKey: this.keys.slot(date, time, employeeId),
        lockCellKeys: lock.times.map((c) => this.keys.slot(date, c, employeeId)),
        encodedLock: raw,
        lockId,
        dayMember: dayMember(date, employeeId),
      });
      if (outcome === 'released') return { status: 'released', lock };
      memo.releasing = undefined;
      if (outcome !== 'changed') return { status: outcome };
    }
    return { status: 'not_found' };
  }

  async listDay(date: string, employeeId: number): Promise<LockInfo[]> {
    const members = await this.redis.zrangebyscore(this.keys.lockIndex(date, employeeId), `(${this.now()}`, '+inf');
    return decodeAll(members, date, employeeId);
  }

  async listAll(): Promise<LockInfo[]> {
    const days = (await this.redis.zrange(this.keys.lockDays(), 0, -1)).map(parseDayMember).filter((d) => d !== undefined);
    if (days.length === 0) return [];
    const now = this.now();
    const pipeline = this.redis.pipeline();
    for (const d of days) pipeline.zrangebyscore(this.keys.lockIndex(d.date, d.employeeId), `(${now}`, '+inf');
    const results = (await pipeline.exec()) ?? [];
    return days.flatMap((d, i) => {
      const [err, members] = results[i] ?? [null, []];
      if (err) throw err;
      return decodeAll(members as string[], d.date, d.employeeId);
    });
  }

  async lockedCells(date: string, employeeId: number): Promise<Set<string>> {
    return cellsOf(await this.listDay(date, employeeId));
  }

  /** The month view: one pipelined round trip for every day. */
  async lockedCellsMany(dates: string[], employeeId: number): Promise<Map<string, Set<string>>> {
    const now = this.now();
    const pipeline = this.redis.pipeline();
    for (const d of dates) pipeline.zrangebyscore(this.keys.lockIndex(d, employeeId), `(${now}`, '+inf');
    const results = (await pipeline.exec()) ?? [];
    const out = new Map<string, Set<string>>();
    dates.forEach((d, i) => {
      const [err, members] = results[i] ?? [null, []];
      if (err) throw err;
      out.set(d, cellsOf(decodeAll(members as string[], d, employeeId)));
    });
    return out;
  }

  async takeExpired(limit = 500): Promise<LockInfo[]> {
    const now = this.now();
    const due = await this.redis.zrangebyscore(this.keys.lockDays(), '-inf', now, 'LIMIT', 0, 100);
    const out: LockInfo[] = [];
    for (const member of due) {
      const day = parseDayMember(member);
      if (!day) {
        await this.redis.zrem(this.keys.lockDays(), member);
        continue;
      }
      const taken = await lockTakeExpired(this.redis, { dayIndex: this.keys.lockIndex(day.date, day.employeeId), lockDays: this.keys.lockDays(), now, dayMember: member, limit });
      out.push(...decodeAll(taken, day.date, day.employeeId));
      if (out.length >= limit) break;
    }
    return out;
  }
}

function decodeAll(members: string[], date: string, employeeId: number): LockInfo[] {
  return members.map((m) => decodeLock(m, date, employeeId)).filter((l): l is LockInfo => l !== undefined);
}
