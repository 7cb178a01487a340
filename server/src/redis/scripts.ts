import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Every Lua script behind one typed function (BullMQ's scripts class):
 * arguments by name, KEYS and ARGV laid out here and nowhere else, integer
 * codes named once, results as words. The scripts live as files in
 * ./scripts: `<name>-<numberOfKeys>.lua` for a fixed number of keys,
 * `<name>.lua` when the caller passes a variable number. Each file opens with
 * a comment block listing KEYS, ARGV and the result codes; the `*_CODES`
 * objects below repeat those codes, and test/unit/redis-scripts.test.ts reads
 * the headers to keep them equal.
 */
const SCRIPT_DIR = new URL('./scripts/', import.meta.url);

export type ScriptName =
  | 'lock-acquire'
  | 'lock-release'
  | 'lock-take-expired'
  | 'avail-store'
  | 'avail-invalidate'
  | 'otp-issue'
  | 'otp-attempt'
  | 'otp-consume'
  | 'rate-hit'
  | 'budget-reserve'
  | 'budget-refund'
  | 'budget-seed';

interface ScriptFile {
  numberOfKeys: number | undefined;
  lua: string;
}

let cached: Map<string, ScriptFile> | undefined;

/** Every script file by name (read once). */
export function scriptFiles(): ReadonlyMap<string, ScriptFile> {
  if (cached) return cached;
  cached = new Map(
    readdirSync(SCRIPT_DIR)
      .filter((f) => f.endsWith('.lua'))
      .map((file) => {
        const m = /^(.+?)(?:-(\d+))?\.lua$/.exec(file)!;
        return [m[1]!, { numberOfKeys: m[2] ? Number(m[2]) : undefined, lua: readFileSync(new URL(file, SCRIPT_DIR), 'utf8') }];
      }),
  );
  return cached;
}

const defined = new WeakSet<Redis>();

/** Registers every script on a connection (ioredis then uses EVALSHA with an EVAL fallback). */
export function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const [name, s] of scriptFiles()) {
    redis.defineCommand(name, s.numberOfKeys === undefined ? { lua: s.lua } : { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  defined.add(redis);
}

/**
 * The one place that touches ioredis' dynamic commands. `argv` is what the
 * command takes: for a variable-key script the key count first, then KEYS,
 * then ARGV; for a fixed-key script KEYS then ARGV.
 */
function evalScript<T>(redis: Redis, name: ScriptName, argv: (string | number)[]): Promise<T> {
  defineScripts(redis);
  return (redis as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<T>>)[name].apply(redis, argv);
}

/** Names a script's integer result; an unknown one is a bug in the script or its caller, never an outcome. */
function outcome<C extends Record<string, number>>(script: ScriptName, codes: C, code: unknown): keyof C & string {
  for (const name in codes) if (codes[name] === code) return name;
  throw new Error(`${script} returned unexpected code ${String(code)}`);
}

// ── slot locks (stores/redis-lock-store.ts) ─────────────────────────────────

/** lock-acquire.lua's result codes. */
export const LOCK_ACQUIRE_CODES = { acquired: 1, taken: 0, too_many: -1 } as const;
export type LockAcquireOutcome = keyof typeof LOCK_ACQUIRE_CODES;

export interface LockAcquireArgs {
  /** locks:{date}:emp{id} */
  dayIndex: string;
  /** locks:days */
  lockDays: string;
  /** locks:client:{owner} */
  clientLocks: string;
  /** slot:{date}:{time}:emp{id}, one per covered cell. */
  cellKeys: string[];
  /** Keys only read and returned in the same round trip (may be empty). */
  readKeys: readonly string[];
  encodedLock: string;
  lockId: string;
  ttlMs: number;
  expiresAt: number;
  now: number;
  maxPerClient: number;
  dayMember: string;
  indexGraceMs: number;
}

/** Takes every cell or none; `read` holds the values of `readKeys`, in order (null when missing). */
export async function lockAcquire(redis: Redis, a: LockAcquireArgs): Promise<{ outcome: LockAcquireOutcome; read: (string | null)[] }> {
  const cells = a.cellKeys.length;
  const argv: (string | number)[] = [3 + cells + a.readKeys.length, a.dayIndex, a.lockDays, a.clientLocks];
  for (let i = 0; i < cells; i++) argv.push(a.cellKeys[i]!);
  for (let i = 0; i < a.readKeys.length; i++) argv.push(a.readKeys[i]!);
  argv.push(a.encodedLock, a.lockId, a.ttlMs, a.expiresAt, a.now, a.maxPerClient, a.dayMember, a.indexGraceMs, cells);
  const [code, ...read] = await evalScript<[number, ...(string | null)[]]>(redis, 'lock-acquire', argv);
  return { outcome: outcome('lock-acquire', LOCK_ACQUIRE_CODES, code), read };
}

/** lock-release.lua's result codes. */
export const LOCK_RELEASE_CODES = { released: 1, not_found: 0, not_owner: -1, changed: -2 } as const;
export type LockReleaseOutcome = keyof typeof LOCK_RELEASE_CODES;

export interface LockReleaseArgs {
  dayIndex: string;
  lockDays: string;
  clientLocks: string;
  /** The cell asked about: its value must still be `encodedLock`. */
  cellKey: string;
  /** Every cell of the lock. */
  lockCellKeys: string[];
  encodedLock: string;
  /** The token hash the caller presents; null for a forced (admin) release. */
  lockId: string | null;
  dayMember: string;
}

/** Frees every cell of the lock read as `encodedLock`; `changed` when that value moved on meanwhile. */
export async function lockRelease(redis: Redis, a: LockReleaseArgs): Promise<LockReleaseOutcome> {
  const code = await evalScript<number>(redis, 'lock-release', [
    4 + a.lockCellKeys.length,
    a.dayIndex,
    a.lockDays,
    a.clientLocks,
    a.cellKey,
    ...a.lockCellKeys,
    a.encodedLock,
    a.lockId ?? '',
    a.dayMember,
  ]);
  return outcome('lock-release', LOCK_RELEASE_CODES, code);
}

/** The encoded locks whose time ran out in one employee-day index, each returned to one caller only. */
export function lockTakeExpired(redis: Redis, a: { dayIndex: string; lockDays: string; now: number; dayMember: string; limit: number }): Promise<string[]> {
  return evalScript<string[]>(redis, 'lock-take-expired', [a.dayIndex, a.lockDays, a.now, a.dayMember, a.limit]);
}

// ── availability cache (stores/availability-cache.ts) ───────────────────────

/** avail-store.lua's result codes. */
export const AVAIL_STORE_CODES = { stored: 1, stale: 0 } as const;

/** Stores a plan unless the day's or the catalogue's generation moved since they were read. */
export async function availStore(
  redis: Redis,
  a: { planKey: string; dayGenerationKey: string; catalogueGenerationKey: string; seenDayGeneration: string; seenCatalogueGeneration: string; value: string; ttlSeconds: number },
): Promise<keyof typeof AVAIL_STORE_CODES> {
  const code = await evalScript<number>(redis, 'avail-store', [
    a.planKey,
    a.dayGenerationKey,
    a.catalogueGenerationKey,
    a.seenDayGeneration,
    a.seenCatalogueGeneration,
    a.value,
    a.ttlSeconds,
  ]);
  return outcome('avail-store', AVAIL_STORE_CODES, code);
}

/** Many `availStore`s in one pipeline (one write, one round trip): the days a cache miss loads together. */
export async function availStoreMany(
  redis: Redis,
  stores: Parameters<typeof availStore>[1][],
): Promise<(keyof typeof AVAIL_STORE_CODES | 'failed')[]> {
  defineScripts(redis);
  const pipeline = redis.pipeline() as unknown as Record<'avail-store', (...a: (string | number)[]) => void> & { exec(): Promise<[Error | null, unknown][] | null> };
  for (const a of stores) pipeline['avail-store'](a.planKey, a.dayGenerationKey, a.catalogueGenerationKey, a.seenDayGeneration, a.seenCatalogueGeneration, a.value, a.ttlSeconds);
  const replies = (await pipeline.exec()) ?? [];
  return stores.map((_, i) => {
    const [err, code] = replies[i] ?? [new Error('no reply'), null];
    return err ? 'failed' : outcome('avail-store', AVAIL_STORE_CODES, code);
  });
}

/** Bumps the day's generation and drops its plan; returns the new generation. */
export async function availInvalidate(redis: Redis, a: { planKey: string; dayGenerationKey: string; generationTtlSeconds: number }): Promise<number> {
  return Number(await evalScript<number>(redis, 'avail-invalidate', [a.planKey, a.dayGenerationKey, a.generationTtlSeconds]));
}

// ── one-time codes (stores/code-store.ts) ───────────────────────────────────

/** Stores a new code hash, replacing the address's earlier code and its attempts. */
export async function otpIssue(redis: Redis, a: { otpKey: string; codeHash: string; ttlMs: number }): Promise<void> {
  await evalScript<number>(redis, 'otp-issue', [a.otpKey, a.codeHash, a.ttlMs]);
}

/** otp-attempt.lua's result codes (the first element of its reply). */
export const OTP_ATTEMPT_CODES = { granted: 1, missing: 0, exhausted: 2 } as const;

/** Reserves one comparison; the stored hash comes back only with a granted attempt. */
export async function otpAttempt(
  redis: Redis,
  a: { otpKey: string; maxAttempts: number },
): Promise<{ outcome: 'granted'; codeHash: string } | { outcome: 'missing' | 'exhausted' }> {
  const [code, hash] = await evalScript<[number, string?]>(redis, 'otp-attempt', [a.otpKey, a.maxAttempts]);
  const named = outcome('otp-attempt', OTP_ATTEMPT_CODES, code);
  return named === 'granted' ? { outcome: named, codeHash: String(hash) } : { outcome: named };
}

/** otp-consume.lua's result codes. */
export const OTP_CONSUME_CODES = { consumed: 1, gone: 0 } as const;

/** Uses the code up if its hash is still the compared one. */
export async function otpConsume(redis: Redis, a: { otpKey: string; codeHash: string }): Promise<keyof typeof OTP_CONSUME_CODES> {
  return outcome('otp-consume', OTP_CONSUME_CODES, await evalScript<number>(redis, 'otp-consume', [a.otpKey, a.codeHash]));
}

// ── rate limits (stores/rate-limiter.ts) ────────────────────────────────────

/** Counts one hit in a fixed window: the hits so far (this one included) and the ms until the window ends. */
export async function rateHit(redis: Redis, a: { rateKey: string; windowMs: number }): Promise<{ count: number; ttlMs: number }> {
  const [count, ttlMs] = await evalScript<[number, number]>(redis, 'rate-hit', [a.rateKey, a.windowMs]);
  return { count: Number(count), ttlMs: Number(ttlMs) };
}

// ── failure budgets (stores/budget-counters.ts) ─────────────────────────────

/** budget-reserve.lua's result codes (the first element of its reply). */
export const BUDGET_RESERVE_CODES = { reserved: 1, unseeded: 0, refused: 2 } as const;

export interface BudgetReserveArgs {
  /** budgets-copied */
  copiedMarker: string;
  /** budget-reservation:{id}, one fresh id per reservation, the same on a retry: a retry counts nothing twice. */
  reservationKey: string;
  /** rate:{type}:{id}, in the order they are checked, each with its limit and window. */
  counters: readonly { key: string; limit: number; windowMs: number }[];
}

/**
 * Counts one failure in every counter or in none. `reserved` carries each
 * counter's ms until its window ends; `refused` the position (0-based) of the
 * first counter at its limit and its ms left; `unseeded` means Redis must be
 * seeded from MySQL first.
 */
export async function budgetReserve(
  redis: Redis,
  a: BudgetReserveArgs,
): Promise<{ outcome: 'reserved'; ttlMs: number[] } | { outcome: 'refused'; counter: number; ttlMs: number } | { outcome: 'unseeded' }> {
  const argv: (string | number)[] = [2 + a.counters.length, a.copiedMarker, a.reservationKey, ...a.counters.map((c) => c.key)];
  for (const c of a.counters) argv.push(c.limit, c.windowMs);
  const [code, ...rest] = await evalScript<number[]>(redis, 'budget-reserve', argv);
  const named = outcome('budget-reserve', BUDGET_RESERVE_CODES, code);
  if (named === 'reserved') return { outcome: named, ttlMs: rest.map(Number) };
  if (named === 'refused') return { outcome: named, counter: Number(rest[0]) - 1, ttlMs: Number(rest[1]) };
  return { outcome: named };
}

/** Gives one back to each counter still above zero; returns how many were. */
export async function budgetRefund(redis: Redis, a: { counterKeys: readonly string[] }): Promise<number> {
  return Number(await evalScript<number>(redis, 'budget-refund', [a.counterKeys.length, ...a.counterKeys]));
}

/** budget-seed.lua's result codes (the first element of its reply). */
export const BUDGET_SEED_CODES = { merged: 1, interrupted: 0 } as const;

export interface BudgetSeedArgs {
  copiedMarker: string;
  copyEpoch: string;
  /** A fresh random value on the first call, else what the first call returned. */
  epoch: string;
  first: boolean;
  /** Sets `copiedMarker` after merging. */
  last: boolean;
  /** MySQL's counters: the count and the ms until the window ends (> 0). */
  counters: readonly { key: string; hits: number; ttlMs: number }[];
}

/** Max-merges one batch of MySQL's counters into Redis; `interrupted` when Redis lost the seeding epoch (a flush) since the first batch. */
export async function budgetSeed(redis: Redis, a: BudgetSeedArgs): Promise<{ outcome: 'merged'; epoch: string } | { outcome: 'interrupted' }> {
  const argv: (string | number)[] = [
    2 + a.counters.length,
    a.copiedMarker,
    a.copyEpoch,
    ...a.counters.map((c) => c.key),
    a.epoch,
    a.first ? 1 : 0,
    a.last ? 1 : 0,
  ];
  for (const c of a.counters) argv.push(c.hits, c.ttlMs);
  const [code, epoch] = await evalScript<[number, string]>(redis, 'budget-seed', argv);
  const named = outcome('budget-seed', BUDGET_SEED_CODES, code);
  return named === 'merged' ? { outcome: named, epoch: String(epoch) } : { outcome: named };
}
