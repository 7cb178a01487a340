import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../../server/src/errors';
import { AvailabilityService } from '../../server/src/services/availability';
import { BookingService } from '../../server/src/services/booking';
import { LockService } from '../../server/src/services/locks';
import { newLockToken } from '../../server/src/stores/lock-store';
import { MysqlLockStore } from '../../server/src/stores/mysql-lock-store';
import { RedisLockStore } from '../../server/src/stores/redis-lock-store';
import { ResilientLockStore } from '../../server/src/stores/resilient-lock-store';
import { assertNoOverlaps } from '../helpers/assert-no-overlaps';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { deletePrefix } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * Random lock / release / book / expire sequences against a model of what
 * must happen, on the real stores and database. Expiry moves an injected
 * clock (the MySQL store's), so sequences need no sleeping; on Redis, whose
 * TTLs follow its own clock, sequences run without expiry.
 */
const CELLS = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30'];
const SERVICES = [
  { duration: 30, bufferAfter: 0 },
  { duration: 60, bufferAfter: 0 },
  { duration: 30, bufferAfter: 30 },
];
const CAP = 2;

type Action =
  | { kind: 'lock'; client: number; service: number; time: number }
  | { kind: 'release'; lock: number; asOwner: boolean }
  | { kind: 'book'; lock: number }
  | { kind: 'expire' };

const action = (withExpiry: boolean): fc.Arbitrary<Action> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('lock' as const), client: fc.nat(2), service: fc.nat(SERVICES.length - 1), time: fc.nat(CELLS.length - 1) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), lock: fc.nat(20), asOwner: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('book' as const), lock: fc.nat(20) }) },
    { weight: withExpiry ? 1 : 0, arbitrary: fc.constant({ kind: 'expire' as const }) },
  );

interface ModelLock {
  token: string;
  client: number;
  service: number;
  time: string;
  cells: string[];
  expiresAt: number;
  done: boolean;
}

for (const variant of [
  { name: 'MySQL store (REDIS_ENABLED=false), with expiry', env: { REDIS_ENABLED: 'false' }, expiry: true, runs: 40 },
  { name: 'Redis store', env: {} as Record<string, string>, expiry: false, runs: 25 },
]) {
  describe(`no double booking, property-based: ${variant.name}`, () => {
    let s: TestSidecar;
    let serviceIds: number[];
    let emp: number;
    let email: string;
    let offset = 0;
    const clock = () => Date.now() + offset;
    let locks: LockService;
    let booking: BookingService;
    let store: ResilientLockStore;
    const date = daysFromNow(6);

    beforeAll(async () => {
      s = await startSidecar({ env: { ...variant.env, MAX_LOCKS_PER_CLIENT: String(CAP) } });
      const ids = await seedCatalogue(s.db.pool, {
        services: SERVICES,
        staff: [{ name: 'Ana', hours: everyDay(['09:00', '12:00']) }],
        settings: { timezone: 'UTC', minNoticeMinutes: 0 },
      });
      serviceIds = ids.serviceIds;
      [emp] = ids.staffIds as [number];
      const d = s.deps;
      store = new ResilientLockStore(d.guard, new RedisLockStore(d.guard, d.keys, clock), new MysqlLockStore(d.pool, d.tables, clock), d.logger, clock);
      const availability = new AvailabilityService({ catalogue: d.catalogue, cache: d.cache, appointments: d.repos.appointments, calendar: d.repos.calendar, locks: store, metrics: d.metrics });
      locks = new LockService({ config: d.config, store, availability, catalogue: d.catalogue, cache: d.cache, hub: d.hub, metrics: d.metrics, audit: d.repos.audit, now: clock });
      booking = new BookingService({ pool: d.pool, appointments: d.repos.appointments, audit: d.repos.audit, catalogue: d.catalogue, availability, locks, hub: d.hub, metrics: d.metrics, logger: d.logger, outbox: d.bookingOutbox });
      email = 'prop@example.com';
    });
    afterAll(() => s?.stop());

    const reset = async () => {
      await s.db.pool.query('DELETE FROM wp_appointments');
      await s.db.pool.query('DELETE FROM wp_appointease_slot_locks');
      await deletePrefix(s.prefix);
      await s.deps.availability.invalidateDay(date, emp);
      store.resetWatermark();
      offset = 0;
    };

    const status = async (p: Promise<unknown>): Promise<number | string> => {
      try {
        await p;
        return 'ok';
      } catch (err) {
        if (err instanceof AppError) return `${err.status} ${err.code}`;
        throw err;
      }
    };

    it('matches the model on every step, and the database never holds an overlap', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(action(variant.expiry), { minLength: 1, maxLength: 25 }), async (actions) => {
          await reset();
          const model: ModelLock[] = [];
          const booked = new Set<string>(); // busy cells of booked appointments
          const ttl = s.config.lockTtlSeconds * 1000;
          const live = (l: ModelLock) => !l.done && l.expiresAt > clock();
          const holder = (cell: string) => model.find((l) => live(l) && l.cells.includes(cell));

          for (const a of actions) {
            if (a.kind === 'expire') {
              offset += ttl + 1_000;
              continue;
            }
            if (a.kind === 'lock') {
              const svc = SERVICES[a.service]!;
              const start = CELLS.indexOf(CELLS[a.time]!);
              const span = (svc.duration + svc.bufferAfter) / 30;
              const cells = CELLS.slice(start, start + span);
              let expected: string;
              if (cells.length < span || cells.some((c) => booked.has(c)) || cells.some((c) => holder(c))) expected = '409 slot_unavailable';
              else if (model.filter((l) => live(l) && l.client === a.client).length >= CAP) expected = '429 too_many_locks';
              else expected = 'ok';
              let granted: { lockToken: string; times: string[] } | undefined;
              const got = await status(
                locks.acquire({ date, time: CELLS[a.time]!, employeeId: emp, serviceId: serviceIds[a.service]!, owner: `10.0.0.${a.client}` }).then((g) => {
                  granted = g;
                }),
              );
              expect({ step: a, got }).toEqual({ step: a, got: expected });
              if (granted) {
                expect(granted.times).toEqual(cells);
                model.push({ token: granted.lockToken, client: a.client, service: a.service, time: CELLS[a.time]!, cells, expiresAt: clock() + ttl - 50, done: false });
              }
              continue;
            }
            const l = model[a.lock % Math.max(1, model.length)];
            if (!l) continue;
            if (a.kind === 'release') {
              const h = holder(l.time);
              const expected = !h ? '404 lock_not_found' : h === l && a.asOwner ? 'ok' : '403 not_lock_owner';
              const got = await status(locks.release({ date, time: l.time, employeeId: emp, lockToken: a.asOwner ? l.token : newLockToken() }));
              expect({ step: a, got }).toEqual({ step: a, got: expected });
              if (got === 'ok') l.done = true;
              continue;
            }
            const expected = live(l) ? 'ok' : '409 lock_invalid';
            const got = await status(
              booking.book({ email, lockToken: l.token, date, time: l.time, employeeId: emp, serviceId: serviceIds[l.service]!, name: 'P', ip: '10.0.0.9' }),
            );
            expect({ step: a, got }).toEqual({ step: a, got: expected });
            if (got === 'ok') {
              l.done = true;
              for (const c of l.cells) booked.add(c);
            }
          }
          await assertNoOverlaps(s.db.pool, { buffers: true });
        }),
        { numRuns: variant.runs },
      );
    });

    it('concurrent storms of locks and bookings never hold a cell twice nor double-book', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ service: fc.nat(SERVICES.length - 1), time: fc.nat(CELLS.length - 1), client: fc.nat(5) }), { minLength: 5, maxLength: 30 }),
          async (attempts) => {
            await reset();
            await Promise.all(
              attempts.map(async (a) => {
                try {
                  const g = await locks.acquire({ date, time: CELLS[a.time]!, employeeId: emp, serviceId: serviceIds[a.service]!, owner: `10.1.0.${a.client}` });
                  // Half of the holders book at once; the rest keep holding.
                  if (a.client % 2 === 0) {
                    await booking.book({ email, lockToken: g.lockToken, date, time: g.time, employeeId: emp, serviceId: g.serviceId, name: 'S', ip: '10.1.0.9' });
                  }
                } catch (err) {
                  if (!(err instanceof AppError) || err.status >= 500) throw err;
                }
              }),
            );
            // A lock may still be granted on a time booked a moment earlier (availability read before that commit): the database then refuses its booking.
            const cells = (await store.listDay(date, emp)).flatMap((l) => l.times);
            expect(new Set(cells).size).toBe(cells.length);
            await assertNoOverlaps(s.db.pool, { buffers: true });
          },
        ),
        { numRuns: 15 },
      );
    });
  });
}
