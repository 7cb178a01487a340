import type { AppointmentRow, AppointmentsRepository } from '../db/repositories/appointments-repository';
import type { AuditRepository } from '../db/repositories/audit-repository';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { RedisGuard } from '../redis/guard';
import type { AvailabilityCache } from '../stores/availability-cache';
import { datesTouchedBy } from './appointment-time';
import type { Catalogue } from './catalogue';
import { addDays } from '../domain/time';

/** Changes this long before the breaker opened may have lost their invalidation too (the failing command itself, clocks apart). */
const MARGIN_SECONDS = 5;
/** More changes than this in the window: void everything instead (the work stays bounded). */
const MAX_CHANGES = 5_000;
/** Audited entities whose changes leave cached day plans as they are (a forced unlock: locks are never cached). */
const NO_CACHED_EFFECT = new Set(['slot_lock', 'webhook']);

export interface AuditedChange {
  action: string;
  entity: string;
  entity_id: string | null;
  details: string | null;
}

/**
 * When Redis answers again, the cached days that changed while it could not
 * be told are voided — only those.
 *
 * Invalidations sent while the breaker was open were lost, so some cached
 * days may be stale. Voiding every cached day (bumping the catalogue
 * generation) would make every instance recompute every day at once, right
 * when the site is recovering. MySQL knows what changed: every booking,
 * cancellation, reschedule and admin change writes an audit row in its own
 * transaction. So this instance reads the audit rows of its outage and voids
 * the days those appointments touch (and the whole catalogue only if the
 * catalogue itself changed, as any admin change does anyway).
 *
 * How far back: a cached plan lives AVAILABILITY_CACHE_SECONDS, so a change
 * older than that can only have made stale a plan that has expired since;
 * the window is the outage, capped at the cache lifetime, plus a margin.
 * At start-up the same runs over the last cache lifetime: an instance that
 * died with its breaker open left its changes unannounced. While it runs
 * after an outage, this instance sets the cache aside (reads compute from
 * MySQL, nothing is stored): it knows it missed invalidations. If
 * MySQL cannot answer, everything is voided as before: correct first.
 */
export class AvailabilityRecovery {
  private downSince: number | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      guard: RedisGuard;
      cache: AvailabilityCache;
      catalogue: Catalogue;
      audit: Pick<AuditRepository, 'since'>;
      appointments: Pick<AppointmentsRepository, 'byIdsOrReferences'>;
      metrics: Metrics;
      logger: Pick<Logger, 'info' | 'warn'>;
      cacheTtlSeconds: number;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  start(): void {
    this.deps.guard.on('down', () => {
      this.downSince ??= this.now();
    });
    this.deps.guard.on('up', () => void this.recover());
    // At start-up this instance lost nothing itself: the cache stays in use meanwhile, as on every other instance.
    if (this.deps.guard.up) void this.recover({ setAside: false });
  }

  /** Voids what changed since the breaker opened (or, at start-up, within the cache lifetime). Runs one at a time. */
  recover(options: { setAside: boolean } = { setAside: true }): Promise<void> {
    const since = this.downSince;
    this.downSince = undefined;
    const run = () => (options.setAside ? this.deps.cache.whileVoiding(() => this.voidChanged(since)) : this.voidChanged(since));
    this.queue = this.queue.then(run, run);
    return this.queue;
  }

  private async voidChanged(downSince: number | undefined): Promise<void> {
    const ttl = this.deps.cacheTtlSeconds;
    const outageSeconds = downSince === undefined ? ttl : Math.ceil((this.now() - downSince) / 1000);
    const lookback = Math.min(ttl, outageSeconds) + MARGIN_SECONDS;
    try {
      const changes = await this.deps.audit.since(lookback, MAX_CHANGES + 1);
      const { catalogue, days } = changes.length > MAX_CHANGES ? { catalogue: true, days: [] } : await this.changedDays(changes);
      if (catalogue) {
        await this.deps.catalogue.changed();
        this.deps.metrics.cacheRecoveryVoided.inc({ scope: 'catalogue' });
      }
      await Promise.all(days.map(([date, employeeId]) => this.deps.cache.invalidateDay(date, employeeId)));
      this.deps.metrics.cacheRecoveryVoided.inc({ scope: 'day' }, days.length);
      if (changes.length) this.deps.logger.info({ lookbackSeconds: lookback, changes: changes.length, days: days.length, catalogue }, 'redis back: voided the cached days changed meanwhile');
    } catch (err) {
      this.deps.logger.warn({ err }, 'redis back, but what changed meanwhile could not be read: voiding every cached day');
      await this.deps.catalogue.changed().catch(() => {});
      this.deps.metrics.cacheRecoveryVoided.inc({ scope: 'catalogue' });
    }
    // Redis failed again before this was done: the next recovery must look back this far too.
    if (!this.deps.guard.up) {
      const from = downSince ?? this.now() - ttl * 1000;
      this.downSince = Math.min(this.downSince ?? from, from);
    }
  }

  /** The employee-days the audited changes touch, or `catalogue` when the change is not one appointment's. */
  async changedDays(changes: AuditedChange[]): Promise<{ catalogue: boolean; days: [string, number][] }> {
    const ids = new Set<number>();
    const references = new Set<string>();
    const moves: { key: string; from: string; fromEmployeeId: number }[] = [];
    for (const c of changes) {
      if (NO_CACHED_EFFECT.has(c.entity)) continue;
      // Services, staff, time off, blackouts, settings — and anything not known here: every day.
      if (c.entity !== 'appointment' || !c.entity_id) return { catalogue: true, days: [] };
      if (/^\d+$/.test(c.entity_id)) ids.add(Number(c.entity_id));
      else references.add(c.entity_id);
      // A reschedule also freed the time it left; the row now holds only the new one.
      if (c.action === 'appointment.rescheduled') {
        const d = parseDetails(c.details);
        const from = typeof d?.from === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(d.from) ? d.from : undefined;
        const fromEmployeeId = Number(d?.fromEmployeeId);
        if (!from || !Number.isInteger(fromEmployeeId)) return { catalogue: true, days: [] };
        moves.push({ key: c.entity_id, from, fromEmployeeId });
      }
    }
    if (ids.size === 0 && references.size === 0) return { catalogue: false, days: [] };
    const rows = await this.deps.appointments.byIdsOrReferences([...ids], [...references]);
    const snap = await this.deps.catalogue.snapshot();
    const days = new Map<string, [string, number]>();
    const add = (date: string, employeeId: number) => days.set(`${date}|${employeeId}`, [date, employeeId]);
    const byKey = new Map<string, AppointmentRow>();
    for (const row of rows) {
      byKey.set(String(row.id), row);
      if (row.strong_id) byKey.set(String(row.strong_id), row);
      if (row.employee_id != null) for (const date of datesTouchedBy(row, snap)) add(date, Number(row.employee_id));
    }
    for (const move of moves) {
      const row = byKey.get(move.key);
      // The time it left, as the row was there: same service, so the service's length (end_date is the new one's).
      if (row) for (const date of datesTouchedBy({ ...row, appointment_date: move.from, end_date: null, employee_id: move.fromEmployeeId }, snap)) add(date, move.fromEmployeeId);
      else for (const date of [addDays(move.from.slice(0, 10), -1), move.from.slice(0, 10), addDays(move.from.slice(0, 10), 1)]) add(date, move.fromEmployeeId);
    }
    return { catalogue: false, days: [...days.values()] };
  }
}

function parseDetails(details: string | null): Record<string, unknown> | undefined {
  if (!details) return undefined;
  try {
    const v = JSON.parse(details) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
