import type { Config } from '../config';
import type { AdminLockView, Hold } from '../contract';
import { AppError, fail } from '../errors';
import type { Metrics } from '../metrics';
import type { AuditRepository } from '../db/repositories/audit-repository';
import type { SlotEventHub } from '../realtime/events';
import type { ServiceRecord } from '../db/repositories/services-repository';
import type { AvailabilityCache, CachedDay } from '../stores/availability-cache';
import { lockIdOf, newLockToken, type AcquiresWithDay, type LockInfo, type LockRequest, type LockStore } from '../stores/lock-store';
import type { AvailabilityService } from './availability';
import { Catalogue, type CatalogueSnapshot } from './catalogue';
import { candidateAt, dayReason, type Candidate } from '../domain/slot-grid';
import { isoUtc, minutesOf, timeOf } from '../domain/time';
import { weekdayNameOf } from '../domain/weekdays';

/** A granted hold, as POST /locks answers it (contract.ts). */
export type LockGranted = Hold;

export interface AcquireInput {
  date: string;
  time: string;
  employeeId: number;
  serviceId: number;
  /** The client (IPv4 address or IPv6 /64: req.clientGroup): the per-client cap counts by it. */
  owner: string;
}

/** What the fast path learnt from the in-process catalogue before touching Redis. */
interface FastPath {
  cells: readonly string[];
  generation: string;
  snap: CatalogueSnapshot;
  service: ServiceRecord;
}

/**
 * Slot holds (CONTRACT §4): availability says whether the time can be held
 * at all, the lock store takes its cells atomically, the hub tells watchers.
 */
export class LockService {
  constructor(
    private readonly deps: {
      config: Config;
      store: LockStore & AcquiresWithDay;
      availability: AvailabilityService;
      catalogue: Catalogue;
      cache: AvailabilityCache;
      hub: SlotEventHub;
      metrics: Metrics;
      audit: AuditRepository;
      now?: () => number;
    },
  ) {}

  /** The catalogue generation last seen in Redis: lets the hot path use the in-process snapshot without asking. */
  private catalogueGeneration: string | undefined;

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  /**
   * Holds a time, by one of two paths, decided here and nowhere else: when
   * the cache is usable and the in-process catalogue (hours, service) names
   * the cells the time covers, the fast path (lock first, check after, one
   * Redis call); anything unusual (catalogue not loaded, Redis down, a
   * refused day, a time off the grid) the checked path (check first, then lock).
   */
  async acquire(input: AcquireInput): Promise<LockGranted> {
    // No await in the usual case: the generation is known and the snapshot in memory is good for it.
    const generation = this.deps.cache.usable ? (this.catalogueGeneration ?? (await this.deps.cache.catalogueGeneration())) : undefined;
    const snap = generation === undefined ? undefined : (this.deps.catalogue.freshSnapshot(generation) ?? (await this.deps.catalogue.snapshot(generation)));
    const fast = snap && this.cellsFromCatalogue(input, generation!, snap);
    return fast ? this.acquireFast(input, fast) : this.acquireChecked(input);
  }

  /**
   * The fast path: the lock script takes the cells and returns the day's
   * cached availability in the same call, and the time is then checked
   * against it; a hold on a time that turns out not to be bookable (booked,
   * time off) is given back at once, unannounced. A catalogue that changed
   * under the snapshot sends the request down the checked path.
   */
  private async acquireFast(input: AcquireInput, fast: FastPath): Promise<LockGranted> {
    const lockToken = newLockToken();
    const lockId = lockIdOf(lockToken);
    const result = await this.deps.store.acquireWithDay(this.request(input, fast.cells, lockId));
    this.announceExpired(result.expired);
    const cached = result.day;
    if (cached) this.catalogueGeneration = cached.catalogueGeneration;
    if (cached && cached.catalogueGeneration !== fast.generation) {
      // The catalogue changed under the snapshot the cells came from.
      if (result.status === 'acquired') await this.deps.store.release(input.date, input.time, input.employeeId, lockId);
      return this.acquireChecked(input);
    }
    if (result.status === 'acquired') {
      try {
        let candidate: Candidate;
        if (cached?.plan) {
          // The usual case: the plan came back with the lock, under the snapshot's own generation.
          this.deps.metrics.cacheHits.inc();
          candidate = this.deps.availability.bookableIn(cached.plan, fast.service, fast.snap, input.time);
        } else {
          candidate = (await this.deps.availability.bookableCandidate(input.date, input.time, input.employeeId, input.serviceId, { cached })).candidate;
        }
        // Usually the very same memoised array (same grid key); compare contents otherwise.
        if (candidate.cells !== fast.cells && candidate.cells.join() !== fast.cells.join()) throw fail('slot_unavailable', { ...at(input), why: 'not_bookable' });
      } catch (err) {
        await this.deps.store.release(input.date, input.time, input.employeeId, lockId).catch(() => {});
        if (err instanceof AppError && err.status === 409) this.deps.metrics.locksRefused.inc({ reason: 'unavailable' });
        throw err;
      }
      return this.granted(result.lock, lockToken);
    }
    // Refused: an unbookable time is 409 whatever the cap says, as on the checked path.
    if (result.status === 'too_many') await this.checkBookable(input, cached);
    return this.refuse(result.status, input);
  }

  /** The checked path: availability first (one Redis read), then the lock. */
  private async acquireChecked(input: AcquireInput): Promise<LockGranted> {
    const { candidate } = await this.checkBookable(input);
    const lockToken = newLockToken();
    const result = await this.deps.store.acquire(this.request(input, candidate.cells, lockIdOf(lockToken)));
    this.announceExpired(result.expired);
    if (result.status !== 'acquired') return this.refuse(result.status, input);
    return this.granted(result.lock, lockToken);
  }

  private async checkBookable(input: AcquireInput, cached?: CachedDay) {
    try {
      return await this.deps.availability.bookableCandidate(input.date, input.time, input.employeeId, input.serviceId, { cached });
    } catch (err) {
      if (err instanceof AppError && err.status === 409) this.deps.metrics.locksRefused.inc({ reason: 'unavailable' });
      throw err;
    }
  }

  /**
   * The cells a time would cover by the employee's weekly hours, from the
   * in-process catalogue, or undefined when the checked path should decide
   * (a refused day, a time off the grid).
   */
  private cellsFromCatalogue(input: AcquireInput, generation: string, snap: CatalogueSnapshot): FastPath | undefined {
    const service = Catalogue.activeService(snap, input.serviceId);
    const employee = Catalogue.employeeFor(snap, input.employeeId, input.serviceId);
    const plan = { date: input.date, windows: employee.workingHours[weekdayNameOf(input.date)] ?? [] };
    if (dayReason(plan, snap.rules, this.now())) return undefined;
    const candidate = candidateAt(plan, service, snap.rules, input.time);
    // The memoised grid's own array: only read here; request() copies it for the store.
    return candidate ? { cells: candidate.cells, generation, snap, service } : undefined;
  }

  private request(input: AcquireInput, cells: readonly string[], lockId: string): LockRequest {
    const { date, time, employeeId, serviceId, owner } = input;
    return { date, time, employeeId, serviceId, owner, cells: cells.slice(), lockId, ttlMs: this.deps.config.lockTtlSeconds * 1000, maxPerClient: this.deps.config.maxLocksPerClient };
  }

  private refuse(status: 'taken' | 'too_many', input: AcquireInput): never {
    if (status === 'taken') {
      this.deps.metrics.locksRefused.inc({ reason: 'locked' });
      throw fail('slot_unavailable', { ...at(input), why: 'held' });
    }
    this.deps.metrics.locksRefused.inc({ reason: 'too_many_locks' });
    // At the latest when the client's oldest hold runs out (sooner if it releases one).
    throw fail('too_many_locks', this.deps.config.maxLocksPerClient, this.deps.config.lockTtlSeconds);
  }

  private granted(lock: LockInfo, lockToken: string): LockGranted {
    this.deps.metrics.locksAcquired.inc({ store: lock.store });
    const expiresAt = isoUtc(lock.expiresAt);
    this.deps.hub.publish({
      type: 'slot_locked',
      date: lock.date,
      time: lock.time,
      times: lock.times,
      employeeId: lock.employeeId,
      owner: lock.owner,
      expiresAt,
      serviceId: lock.serviceId,
    });
    return {
      lockToken,
      date: lock.date,
      time: lock.time,
      times: lock.times,
      employeeId: lock.employeeId,
      serviceId: lock.serviceId,
      expiresAt,
      ttlSeconds: this.deps.config.lockTtlSeconds,
    };
  }

  async release(input: { date: string; time: string; employeeId: number; lockToken: string }): Promise<void> {
    const r = await this.deps.store.release(input.date, input.time, input.employeeId, lockIdOf(input.lockToken));
    if (r.status === 'not_found') throw fail('lock_not_found', at(input));
    if (r.status === 'not_owner') throw fail('not_lock_owner');
    this.publishUnlocked(r.lock, 'released');
  }

  async listDay(date: string, employeeId: number): Promise<{ time: string; times: string[]; expiresAt: string }[]> {
    const locks = await this.deps.store.listDay(date, employeeId);
    return locks.sort(byTime).map((l) => ({ time: l.time, times: l.times, expiresAt: isoUtc(l.expiresAt) }));
  }

  /**
   * The live lock a booking presents: it must cover exactly this start, for
   * this service, with this token. Anything else is 409 lock_invalid.
   */
  async verifyForBooking(input: { date: string; time: string; employeeId: number; serviceId: number; lockToken: string }): Promise<LockInfo> {
    const r = await this.deps.store.verify(input.date, input.time, input.employeeId, lockIdOf(input.lockToken));
    if (r.status !== 'valid' || r.lock.time !== input.time || r.lock.serviceId !== input.serviceId || r.lock.expiresAt <= this.now()) {
      throw fail('lock_invalid');
    }
    return r.lock;
  }

  /** After a booking committed: the hold is spent. A lock gone meanwhile (expired) is fine. */
  async consume(lock: LockInfo, lockToken: string): Promise<void> {
    await this.deps.store.release(lock.date, lock.time, lock.employeeId, lockIdOf(lockToken));
  }

  async adminList(): Promise<AdminLockView[]> {
    const now = this.now();
    const [locks, snap] = await Promise.all([this.deps.store.listAll(), this.deps.catalogue.snapshot()]);
    const endTime = (time: string, serviceId: number) => {
      const duration = snap.services.get(serviceId)?.duration;
      return duration === undefined ? null : timeOf((minutesOf(time) + duration) % (24 * 60));
    };
    return locks
      .filter((l) => l.expiresAt > now)
      .sort((a, b) => a.date.localeCompare(b.date) || a.employeeId - b.employeeId || byTime(a, b))
      .map((l) => ({
        date: l.date,
        time: l.time,
        times: l.times,
        endTime: endTime(l.time, l.serviceId),
        employeeId: l.employeeId,
        serviceId: l.serviceId,
        owner: l.owner,
        expiresAt: isoUtc(l.expiresAt),
        ttlSeconds: Math.max(0, Math.ceil((l.expiresAt - now) / 1000)),
        store: l.store,
      }));
  }

  async adminRelease(input: { date: string; time: string; employeeId: number; adminId: string; ip: string }): Promise<void> {
    const r = await this.deps.store.release(input.date, input.time, input.employeeId, null);
    if (r.status !== 'released') throw fail('lock_not_found', at(input));
    this.publishUnlocked(r.lock, 'admin');
    await this.deps.audit.record({
      actor: `admin:${input.adminId}`,
      action: 'lock.force_release',
      entity: 'slot_lock',
      entityId: `${r.lock.date} ${r.lock.time} emp${r.lock.employeeId}`,
      details: { date: r.lock.date, time: r.lock.time, times: r.lock.times, employeeId: r.lock.employeeId, serviceId: r.lock.serviceId, owner: r.lock.owner, store: r.lock.store },
      ip: input.ip,
    });
  }

  /**
   * Expired locks, each returned once across all instances (both stores).
   * The realtime sweeper calls this and publishes `slot_unlocked` reason `expired`.
   */
  async takeExpired(limit?: number): Promise<LockInfo[]> {
    return this.deps.store.takeExpired(limit);
  }

  /** Expired locks an acquire took over itself (MySQL store): announced here since no sweep will find them. */
  private announceExpired(expired: LockInfo[] | undefined): void {
    for (const lock of expired ?? []) this.publishUnlocked(lock, 'expired');
  }

  private publishUnlocked(lock: LockInfo, reason: 'released' | 'admin' | 'expired'): void {
    this.deps.hub.publish({ type: 'slot_unlocked', date: lock.date, time: lock.time, times: lock.times, employeeId: lock.employeeId, reason, serviceId: lock.serviceId });
  }
}

const at = (input: { date: string; time: string }) => ({ date: input.date, time: input.time });

// HH:MM compares as plain strings; localeCompare (ICU collation) cost more than the rest of a day listing.
const byTime = (a: { time: string }, b: { time: string }) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0);
