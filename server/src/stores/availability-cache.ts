import type { RedisGuard } from '../redis/guard';
import type { RedisKeys } from '../redis/keys';
import { availInvalidate, availStore, availStoreMany } from '../redis/scripts';
import type { DayPlan } from '../domain/slot-grid';

export interface CachedDay {
  plan: DayPlan | undefined;
  dayGeneration: string;
  catalogueGeneration: string;
}

/**
 * Decoded plans by their exact stored text: every lock request and day view
 * reads the same few plans again and again, and parsing each copy was a
 * good part of the lock hot path. Keyed by the text itself, not by
 * generation, so a plan recomputed under unchanged generations (after its
 * TTL) is never mistaken for the old one. Entries are frozen: callers share them.
 */
const PLAN_MEMO_SIZE = 2_000;
const planMemo = new Map<string, { g: string; p: DayPlan } | null>();

function parsedPlan(value: string): { g: string; p: DayPlan } | null {
  const hit = planMemo.get(value);
  if (hit !== undefined) return hit;
  let parsed: { g: string; p: DayPlan } | null;
  try {
    parsed = deepFreeze(JSON.parse(value) as { g: string; p: DayPlan });
  } catch {
    parsed = null;
  }
  if (planMemo.size >= PLAN_MEMO_SIZE) planMemo.delete(planMemo.keys().next().value!);
  planMemo.set(value, parsed);
  return parsed;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * A cached day from its three stored values (the plan, the day's generation,
 * the catalogue's): what `read` does after its MGET, and what the Redis lock
 * store does with the same values read inside its acquire script.
 */
export function decodeCachedDay(value: string | null, dayGen: string | null, catGen: string | null): CachedDay {
  const catalogueGeneration = catGen ?? '0';
  let plan: DayPlan | undefined;
  if (value) {
    const parsed = parsedPlan(value);
    // A plan computed under an older catalogue (hours, services, settings changed) is a miss.
    if (parsed && parsed.g === catalogueGeneration) plan = parsed.p;
  }
  return { plan, dayGeneration: dayGen ?? '0', catalogueGeneration };
}

/** Enough of a stored plan to read its catalogue generation (`{"g":"…",`). */
const PLAN_HEAD_BYTES = 48;

/** Generations outlive any cached plan by far; a day nobody touches for two days needs none. */
const GENERATION_TTL_SECONDS = 2 * 86_400;

/**
 * The availability cache (`avail:{date}:emp{id}`): the database-derived part
 * of a day, tagged with the catalogue generation it was computed under. There
 * is no MySQL twin: without Redis, availability is computed from MySQL each
 * time, so every method here degrades to "miss" / no-op while Redis is down.
 */
export class AvailabilityCache {
  /** Voidings in progress (after an outage): until they end, reads miss and nothing is stored. */
  private voiding = 0;

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: RedisKeys,
    private readonly ttlSeconds: number,
  ) {}

  get usable(): boolean {
    return this.guard.up && this.voiding === 0;
  }

  /**
   * Runs `work` (voiding days that changed while Redis could not be told)
   * with the cache set aside: a read meanwhile computes from MySQL instead
   * of trusting a day that may be about to be voided, and stores nothing.
   * Invalidations still go through.
   */
  async whileVoiding<T>(work: () => Promise<T>): Promise<T> {
    this.voiding++;
    try {
      return await work();
    } finally {
      this.voiding--;
    }
  }

  /** One round trip: the plan and both generations. */
  async read(date: string, employeeId: number): Promise<CachedDay | undefined> {
    if (this.voiding) return undefined;
    const got = await this.guard.tryRedis((r) =>
      r.mget(this.keys.availability(date, employeeId), this.keys.availabilityGeneration(date, employeeId), this.keys.catalogueGeneration()),
    );
    if (!got) return undefined;
    return decodeCachedDay(got[0] ?? null, got[1] ?? null, got[2] ?? null);
  }

  /** Many days of one employee in one round trip (the month view). */
  async readMany(dates: string[], employeeId: number): Promise<Map<string, CachedDay> | undefined> {
    if (this.voiding) return undefined;
    const keys = dates.flatMap((d) => [this.keys.availability(d, employeeId), this.keys.availabilityGeneration(d, employeeId)]);
    const got = await this.guard.tryRedis((r) => r.mget(...keys, this.keys.catalogueGeneration()));
    if (!got) return undefined;
    const cat = got[got.length - 1] ?? null;
    const out = new Map<string, CachedDay>();
    dates.forEach((d, i) => out.set(d, decodeCachedDay(got[2 * i] ?? null, got[2 * i + 1] ?? null, cat)));
    return out;
  }

  /**
   * Of these days of one employee, those without a usable cached plan, with
   * the generations to store one under; one round trip. Only each plan's
   * first bytes are read (its catalogue generation: the value starts
   * `{"g":"<generation>",` as `store` writes it), not the plans themselves:
   * a month of them can be tens of KB, and the caller only asks which to compute.
   */
  async missingAmong(dates: string[], employeeId: number): Promise<Map<string, CachedDay>> {
    const out = new Map<string, CachedDay>();
    if (this.voiding || dates.length === 0) return out;
    const replies = await this.guard.tryRedis(async (r) => {
      const pipeline = r.pipeline();
      for (const d of dates) pipeline.getrange(this.keys.availability(d, employeeId), 0, PLAN_HEAD_BYTES - 1);
      pipeline.mget(...dates.map((d) => this.keys.availabilityGeneration(d, employeeId)), this.keys.catalogueGeneration());
      const res = (await pipeline.exec()) ?? [];
      const failed = res.find(([err]) => err);
      if (failed) throw failed[0];
      return res.map(([, v]) => v);
    });
    if (!replies) return out;
    const gens = replies[dates.length] as (string | null)[];
    const catalogueGeneration = gens[dates.length] ?? '0';
    dates.forEach((d, i) => {
      const head = /^\{"g":"([^"]*)"/.exec(String(replies[i] ?? ''));
      if (head?.[1] !== catalogueGeneration) out.set(d, { plan: undefined, dayGeneration: gens[i] ?? '0', catalogueGeneration });
    });
    return out;
  }

  /** Stores a plan unless the day or the catalogue changed since `seen` was read. */
  async store(plan: DayPlan, seen: Pick<CachedDay, 'dayGeneration' | 'catalogueGeneration'>): Promise<boolean> {
    if (this.voiding) return false;
    const stored = await this.guard.tryRedis((r) => availStore(r, this.storeArgs(plan, seen)));
    return stored === 'stored';
  }

  /** `store` for several plans (each with the generations seen for its day), in one round trip. */
  async storeMany(entries: { plan: DayPlan; seen: Pick<CachedDay, 'dayGeneration' | 'catalogueGeneration'> }[]): Promise<void> {
    if (this.voiding || entries.length === 0) return;
    if (entries.length === 1) return void (await this.store(entries[0]!.plan, entries[0]!.seen));
    await this.guard.tryRedis((r) => availStoreMany(r, entries.map((e) => this.storeArgs(e.plan, e.seen))));
  }

  private storeArgs(plan: DayPlan, seen: Pick<CachedDay, 'dayGeneration' | 'catalogueGeneration'>) {
    return {
      planKey: this.keys.availability(plan.date, plan.employeeId),
      dayGenerationKey: this.keys.availabilityGeneration(plan.date, plan.employeeId),
      catalogueGenerationKey: this.keys.catalogueGeneration(),
      seenDayGeneration: seen.dayGeneration,
      seenCatalogueGeneration: seen.catalogueGeneration,
      value: JSON.stringify({ g: seen.catalogueGeneration, p: plan }),
      ttlSeconds: this.ttlSeconds,
    };
  }

  async invalidateDay(date: string, employeeId: number): Promise<void> {
    await this.guard.tryRedis((r) =>
      availInvalidate(r, { planKey: this.keys.availability(date, employeeId), dayGenerationKey: this.keys.availabilityGeneration(date, employeeId), generationTtlSeconds: GENERATION_TTL_SECONDS }),
    );
  }

  /** Any catalogue change (hours, services, settings, time off, blackouts) voids every cached day. */
  async invalidateCatalogue(): Promise<void> {
    await this.guard.tryRedis((r) => r.incr(this.keys.catalogueGeneration()));
  }

  /** The catalogue generation alone (to validate an in-process catalogue snapshot). */
  async catalogueGeneration(): Promise<string | undefined> {
    const v = await this.guard.tryRedis((r) => r.get(this.keys.catalogueGeneration()));
    return v === undefined ? undefined : (v ?? '0');
  }
}
