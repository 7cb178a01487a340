import { hash, randomFillSync } from 'node:crypto';
import type { CachedDay } from './availability-cache';

/**
 * The slot lock store: one interface, a Redis implementation, a MySQL twin
 * and a resilient wrapper that picks between them (ARCHITECTURE "stores").
 *
 * A lock holds every grid cell its service covers (duration plus buffers),
 * all or none. It is known by its `lockId`, the SHA-256 of the caller's
 * token: the token itself is never stored, so a dump of Redis or MySQL
 * cannot be replayed to release or book someone else's hold.
 */

export type LockStoreName = 'redis' | 'mysql';

export interface LockRequest {
  date: string;
  /** The start time the customer asked for. */
  time: string;
  employeeId: number;
  serviceId: number;
  /** Every grid cell covered, sorted (the Candidate's `cells`). */
  cells: string[];
  /** Client IP: the per-client cap counts locks per owner. */
  owner: string;
  lockId: string;
  ttlMs: number;
  maxPerClient: number;
}

export interface LockInfo {
  date: string;
  time: string;
  times: string[];
  employeeId: number;
  serviceId: number;
  owner: string;
  lockId: string;
  /** Epoch ms. */
  expiresAt: number;
  store: LockStoreName;
}

export type AcquireResult = (
  | { status: 'acquired'; lock: LockInfo }
  | { status: 'taken' }
  | { status: 'too_many' }
) & {
  /**
   * Expired locks this acquire took over (MySQL replaces expired rows in its
   * own transaction): the sweeper will not see them, so the caller announces
   * their expiry. Whole locks, every cell, each reported exactly once.
   */
  expired?: LockInfo[];
};

/** What a cell lookup found: nothing, someone else's lock, or the caller's. */
export type ReleaseResult = { status: 'released'; lock: LockInfo } | { status: 'not_owner' } | { status: 'not_found' };

export type VerifyResult = { status: 'valid'; lock: LockInfo } | { status: 'not_owner' } | { status: 'not_found' };

/** The port: what every lock store (Redis, MySQL, the resilient pair) does, and nothing of how. */
export interface LockStore {
  acquire(req: LockRequest): Promise<AcquireResult>;
  /**
   * The live lock covering cell (date, time, employee). With `lockId` the
   * lock must be that one; without it (admin) any lock covering the cell.
   */
  verify(date: string, time: string, employeeId: number, lockId: string): Promise<VerifyResult>;
  /** Frees every cell of the lock covering (date, time, employee) if its id matches (`null` = forced). */
  release(date: string, time: string, employeeId: number, lockId: string | null): Promise<ReleaseResult>;
  /** Live locks of one employee's day, O(locks of that day). */
  listDay(date: string, employeeId: number): Promise<LockInfo[]>;
  /** Every live lock (admin page). */
  listAll(): Promise<LockInfo[]>;
  lockedCells(date: string, employeeId: number): Promise<Set<string>>;
  lockedCellsMany(dates: string[], employeeId: number): Promise<Map<string, Set<string>>>;
  /**
   * Removes and returns locks whose time ran out, each exactly once across
   * every instance (the sweeper publishes `slot_unlocked` reason `expired`).
   */
  takeExpired(limit?: number): Promise<LockInfo[]>;
}

/**
 * A capability only Redis has: take the lock and read the day's cached
 * availability in the same round trip, so the hold's common case costs one
 * Redis call. `day` is absent when the lock went elsewhere (MySQL fallback):
 * the caller then reads the day itself.
 */
export type AcquireWithDayResult = AcquireResult & { day?: CachedDay };

export interface AcquiresWithDay {
  acquireWithDay(req: LockRequest): Promise<AcquireWithDayResult>;
}

/** Every cell held by some locks. */
export function cellsOf(locks: LockInfo[]): Set<string> {
  const out = new Set<string>();
  for (const l of locks) for (const c of l.times) out.add(c);
  return out;
}

const TOKEN_BYTES = 32;
/**
 * randomBytes(32) costs a call into OpenSSL per token (a few µs on the lock
 * hot path); one fill serves 128 tokens (node's randomUUID does the same).
 * Each slice is handed out once and the pool is refilled before reuse.
 */
const tokenPool = Buffer.alloc(TOKEN_BYTES * 128);
let tokenPoolOffset = tokenPool.length;

/** 256 random bits: the only proof of ownership a client gets. */
export function newLockToken(): string {
  if (tokenPoolOffset >= tokenPool.length) {
    randomFillSync(tokenPool);
    tokenPoolOffset = 0;
  }
  const token = tokenPool.toString('base64url', tokenPoolOffset, tokenPoolOffset + TOKEN_BYTES);
  tokenPoolOffset += TOKEN_BYTES;
  return token;
}

export function lockIdOf(token: string): string {
  // One-shot hash (node ≥ 20.12): same digest as createHash().update().digest(), without the Hash object per call.
  return hash('sha256', token, 'hex');
}

/** Redis index members and cell values: everything needed to list or free a lock without another lookup. */
export function encodeLock(l: Omit<LockInfo, 'store'>): string {
  return [l.time, l.lockId, l.serviceId, l.times.join(','), l.expiresAt, l.owner].join('|');
}

export function decodeLock(value: string, date: string, employeeId: number): LockInfo | undefined {
  const parts = value.split('|');
  if (parts.length < 6) return undefined;
  const [time, lockId, serviceId, times, expiresAt] = parts as [string, string, string, string, string];
  return {
    date,
    time,
    lockId,
    serviceId: Number(serviceId),
    times: times ? times.split(',') : [],
    expiresAt: Number(expiresAt),
    // IPv6 owners contain no '|', but keep whatever follows intact anyway (a day listing decodes every lock: no slice+join when there is nothing to rejoin).
    owner: parts.length === 6 ? parts[5]! : parts.slice(5).join('|'),
    employeeId,
    store: 'redis',
  };
}

/** `date|employeeId`: a member of the lock-days set. */
export const dayMember = (date: string, employeeId: number) => `${date}|${employeeId}`;

export function parseDayMember(member: string): { date: string; employeeId: number } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})\|(\d+)$/.exec(member);
  return m ? { date: m[1]!, employeeId: Number(m[2]) } : undefined;
}
