import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotEvent } from '../../server/src/realtime/events';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * The MySQL lock store replaces expired rows inside the acquire that needs
 * them; that expiry must still be announced, once, for the whole old lock.
 */
describe('MySQL lock takeover announces the expiry', () => {
  let s: TestSidecar;
  const events: SlotEvent[] = [];
  let ids: { serviceIds: number[]; staffIds: number[] };
  beforeAll(async () => {
    // The sweeper is kept out of the way so the acquire is the one that meets the expired rows.
    s = await startSidecar({ env: { REDIS_ENABLED: 'false', LOCK_TTL_SECONDS: '2', LOCK_SWEEP_INTERVAL_MS: '60000' } });
    ids = await seedCatalogue(s.db.pool, {
      services: [{ duration: 60 }, { duration: 30 }],
      staff: [{ hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    s.deps.hub.onEvent((e) => events.push(e));
  });
  afterAll(() => s?.stop());

  it('an acquire over an expired two-cell lock emits one expired event with both cells, and the sweeper finds nothing left', async () => {
    const date = daysFromNow(3);
    const emp = ids.staffIds[0]!;
    const first = await s.api('/locks', { method: 'POST', json: { date, time: '10:00', employeeId: emp, serviceId: ids.serviceIds[0] } });
    expect(first.status).toBe(201);
    expect((await first.json()).times).toEqual(['10:00', '10:30']);
    await new Promise((r) => setTimeout(r, 2_300));

    const second = await s.api('/locks', { method: 'POST', json: { date, time: '10:30', employeeId: emp, serviceId: ids.serviceIds[1] } });
    expect(second.status).toBe(201);

    const expired = events.filter((e) => e.type === 'slot_unlocked' && e.reason === 'expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ date, time: '10:00', times: ['10:00', '10:30'], employeeId: emp });
    // The expiry is announced before the new hold.
    const order = events.filter((e) => e.date === date).map((e) => `${e.type}:${e.time}`);
    expect(order.slice(-2)).toEqual(['slot_unlocked:10:00', 'slot_locked:10:30']);
    // No half of the old lock is left for a second announcement.
    expect(await s.deps.locks.takeExpired()).toEqual([]);
    const [rows] = await s.db.pool.query<any[]>('SELECT time FROM wp_appointease_slot_locks WHERE date = ? ORDER BY time', [date]);
    expect(rows.map((r) => String(r.time))).toEqual(['10:30:00']);
  });

  it('a refused acquire leaves expired rows for the sweeper', async () => {
    const date = daysFromNow(4);
    const emp = ids.staffIds[0]!;
    expect((await s.api('/locks', { method: 'POST', json: { date, time: '11:00', employeeId: emp, serviceId: ids.serviceIds[1] } })).status).toBe(201);
    expect((await s.api('/locks', { method: 'POST', json: { date, time: '12:00', employeeId: emp, serviceId: ids.serviceIds[1] } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 2_300));
    // Someone holds 11:30 now; a 60-minute hold at 11:00 needs 11:00 (expired) and 11:30 (live): refused, rolled back.
    expect((await s.api('/locks', { method: 'POST', json: { date, time: '11:30', employeeId: emp, serviceId: ids.serviceIds[1] } })).status).toBe(201);
    const before = events.length;
    expect((await s.api('/locks', { method: 'POST', json: { date, time: '11:00', employeeId: emp, serviceId: ids.serviceIds[0] } })).status).toBe(409);
    expect(events.slice(before).filter((e) => e.reason === 'expired')).toEqual([]);
    const swept = await s.deps.locks.takeExpired();
    expect(swept.filter((l) => l.date === date).map((l) => l.time).sort()).toEqual(['11:00', '12:00']);
  });
});
