import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/keys';
import { runScript } from '../redis/scripts';
import {
  dayMember,
  decodeLock,
  encodeLock,
  parseDayMember,
  type AcquireResult,
  type LockInfo,
  type LockRequest,
  type ReleaseResult,
  type VerifyResult,
} from './lock-store';

/** Expired index entries wait this long for a sweeper before acquire trims them. */
const INDEX_GRACE_MS = 3_600_000;

/**
 * Slot locks in Redis. Every covered cell is a key `slot:{date}:{time}:emp{id}`
 * with the lock's PX TTL (so `redis-cli ttl` works as the blueprint says); the
 * employee-day index makes listing O(locks of that day) without KEYS. All
 * check-then-act steps are Lua scripts in redis/scripts/lock-*.lua.
 *
 * Methods take the connection so the resilient wrapper can run them under
 * RedisGuard; they throw on connection errors and never fall back themselves.
 */
export class RedisLockStore {
  constructor(
    private readonly keys: RedisKeys,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(redis: Redis, req: LockRequest, readKeys: string[] = []): Promise<AcquireResult> {
    const expiresAt = this.now() + req.ttlMs;
    const lock: LockInfo = {
      date: req.date,
      time: req.time,
      times: req.cells,
      employeeId: req.employeeId,
      serviceId: req.serviceId,
      owner: req.owner,
      lockId: req.lockId,
      expiresAt,
      store: 'redis',
    };
    const value = encodeLock(lock);
    const [code, ...read] = await runScript<[number, ...(string | null)[]]>(
      redis,
      'lock-acquire',
      [
        this.keys.lockIndex(req.date, req.employeeId),
        this.keys.lockDays(),
        this.keys.clientLocks(req.owner),
        ...req.cells.map((c) => this.keys.slot(req.date, c, req.employeeId)),
        ...readKeys,
      ],
      [value, req.lockId, req.ttlMs, expiresAt, this.now(), req.maxPerClient, dayMember(req.date, req.employeeId), INDEX_GRACE_MS, req.cells.length],
    );
    if (code === 1) return { status: 'acquired', lock, read };
    return code === -1 ? { status: 'too_many', read } : { status: 'taken', read };
  }

  /** The lock covering one cell, read from the cell's own value (one GET). */
  async lockAt(redis: Redis, date: string, time: string, employeeId: number): Promise<{ lock: LockInfo; raw: string } | undefined> {
    const raw = await redis.get(this.keys.slot(date, time, employeeId));
    if (!raw) return undefined;
    const lock = decodeLock(raw, date, employeeId);
    return lock ? { lock, raw } : undefined;
  }

  async verify(redis: Redis, date: string, time: string, employeeId: number, lockId: string): Promise<VerifyResult> {
    const found = await this.lockAt(redis, date, time, employeeId);
    if (!found) return { status: 'not_found' };
    return found.lock.lockId === lockId ? { status: 'valid', lock: found.lock } : { status: 'not_owner' };
  }

  async release(redis: Redis, date: string, time: string, employeeId: number, lockId: string | null): Promise<ReleaseResult> {
    // The cell's value names the lock's cells and owner; the script re-checks it did not change.
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await this.lockAt(redis, date, time, employeeId);
      if (!found) return { status: 'not_found' };
      const { lock, raw } = found;
      if (lockId !== null && lock.lockId !== lockId) return { status: 'not_owner' };
      const code = await runScript<number>(
        redis,
        'lock-release',
        [
          this.keys.lockIndex(date, employeeId),
          this.keys.lockDays(),
          this.keys.clientLocks(lock.owner),
          this.keys.slot(date, time, employeeId),
          ...lock.times.map((c) => this.keys.slot(date, c, employeeId)),
        ],
        [raw, lockId ?? '', dayMember(date, employeeId)],
      );
      if (code === 1) return { status: 'released', lock };
      if (code === 0) return { status: 'not_found' };
      if (code === -1) return { status: 'not_owner' };
    }
    return { status: 'not_found' };
  }

  async listDay(redis: Redis, date: string, employeeId: number): Promise<LockInfo[]> {
    const members = await redis.zrangebyscore(this.keys.lockIndex(date, employeeId), `(${this.now()}`, '+inf');
    return decodeAll(members, date, employeeId);
  }

  async listAll(redis: Redis): Promise<LockInfo[]> {
    const days = (await redis.zrange(this.keys.lockDays(), 0, -1)).map(parseDayMember).filter((d) => d !== undefined);
    if (days.length === 0) return [];
    const now = this.now();
    const pipeline = redis.pipeline();
    for (const d of days) pipeline.zrangebyscore(this.keys.lockIndex(d.date, d.employeeId), `(${now}`, '+inf');
    const results = (await pipeline.exec()) ?? [];
    return days.flatMap((d, i) => {
      const [err, members] = results[i] ?? [null, []];
      if (err) throw err;
      return decodeAll(members as string[], d.date, d.employeeId);
    });
  }

  async lockedCells(redis: Redis, date: string, employeeId: number): Promise<Set<string>> {
    return cellsOf(await this.listDay(redis, date, employeeId));
  }

  /** The month view: one pipelined round trip for every day. */
  async lockedCellsMany(redis: Redis, dates: string[], employeeId: number): Promise<Map<string, Set<string>>> {
    const now = this.now();
    const pipeline = redis.pipeline();
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

  async takeExpired(redis: Redis, limit = 500): Promise<LockInfo[]> {
    const now = this.now();
    const due = await redis.zrangebyscore(this.keys.lockDays(), '-inf', now, 'LIMIT', 0, 100);
    const out: LockInfo[] = [];
    for (const member of due) {
      const day = parseDayMember(member);
      if (!day) {
        await redis.zrem(this.keys.lockDays(), member);
        continue;
      }
      const taken = await runScript<string[]>(redis, 'lock-take-expired', [this.keys.lockIndex(day.date, day.employeeId), this.keys.lockDays()], [now, member, limit]);
      out.push(...decodeAll(taken, day.date, day.employeeId));
      if (out.length >= limit) break;
    }
    return out;
  }
}

function decodeAll(members: string[], date: string, employeeId: number): LockInfo[] {
  return members.map((m) => decodeLock(m, date, employeeId)).filter((l): l is LockInfo => l !== undefined);
}

export function cellsOf(locks: LockInfo[]): Set<string> {
  const out = new Set<string>();
  for (const l of locks) for (const c of l.times) out.add(c);
  return out;
}
