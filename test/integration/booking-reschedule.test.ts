import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../server/src/errors';
import type { SlotEvent } from '../../server/src/realtime/events';
import { newLockToken, lockIdOf } from '../../server/src/stores/lock-store';
import { assertNoOverlaps } from '../helpers/assert-no-overlaps';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/** booking.reschedule (the core PATCH /appointments/{reference} calls): same lock rules and overlap guard as booking. */
describe('rescheduling through the booking service', () => {
  let s: TestSidecar;
  let svc: number;
  let ana: number;
  let ben: number;
  let events: SlotEvent[] = [];
  const date = daysFromNow(4);
  const later = daysFromNow(5);

  const hold = async (d: string, time: string, employeeId: number) => {
    const res = await s.api('/locks', { method: 'POST', json: { date: d, time, employeeId, serviceId: svc } });
    expect(res.status).toBe(201);
    return (await res.json()).lockToken as string;
  };
  const book = async (email: string, d: string, time: string, employeeId: number) => {
    const { appointment } = await s.deps.booking.book({ email, lockToken: await hold(d, time, employeeId), date: d, time, employeeId, serviceId: svc, name: 'N', ip: '127.0.0.1' });
    return appointment;
  };
  const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e) => (e instanceof AppError ? e.code : String(e)));

  beforeAll(async () => {
    s = await startSidecar({ env: { MAX_LOCKS_PER_CLIENT: '20' } });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Colour', duration: 60, bufferAfter: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }, { name: 'Ben', hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [ana, ben] = ids.staffIds as [number, number];
    s.deps.hub.onEvent((e) => events.push(e));
  });
  afterAll(() => s?.stop());

  it('moves an appointment to a held time, frees the old one, keeps the first original time', async () => {
    const a = await book('carol@example.com', date, '09:00', ana);
    const token = await hold(later, '14:00', ben);
    events = [];
    const moved = await s.deps.booking.reschedule({ reference: a.reference, email: 'carol@example.com', lockToken: token, date: later, time: '14:00', employeeId: ben, ip: '127.0.0.1' });
    expect(moved).toMatchObject({ id: a.id, reference: a.reference, date: later, time: '14:00', endTime: '15:00', employeeId: ben, status: 'confirmed' });
    expect(events.map((e) => [e.type, e.date, e.time, e.employeeId])).toEqual([
      ['slot_released', date, '09:00', ana],
      ['slot_booked', later, '14:00', ben],
    ]);
    const old = await (await s.api(`/availability?date=${date}&employeeId=${ana}&serviceId=${svc}`)).json();
    expect(old.slots.find((x: { time: string }) => x.time === '09:00').status).toBe('available');
    expect(await s.deps.locks.listDay(later, ben)).toEqual([]);

    const again = await hold(later, '15:30', ben);
    await s.deps.booking.reschedule({ reference: a.reference, email: 'carol@example.com', lockToken: again, date: later, time: '15:30', ip: '127.0.0.1' });
    const [[row]] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointments WHERE id = ?', [a.id]);
    expect(row).toMatchObject({ appointment_date: `${later} 15:30:00`, end_date: `${later} 16:30:00`, original_date: `${date} 09:00:00`, employee_id: ben });
    expect(row.rescheduled_at).not.toBeNull();
  });

  it("refuses someone else's appointment, a missing hold, and a time the database already holds", async () => {
    const a = await book('dave@example.com', date, '11:00', ana);
    const b = await book('erin@example.com', date, '13:00', ana);
    const token = await hold(date, '15:00', ana);
    expect(await codeOf(s.deps.booking.reschedule({ reference: a.reference, email: 'erin@example.com', lockToken: token, date, time: '15:00', ip: '' }))).toBe('not_found');
    expect(await codeOf(s.deps.booking.reschedule({ reference: a.reference, email: 'dave@example.com', lockToken: newLockToken(), date, time: '15:00', ip: '' }))).toBe('lock_invalid');
    // A valid hold that the database contradicts (as after an outage): 13:00–14:30 is Erin's.
    const stray = newLockToken();
    expect((await s.deps.lockStore.mysql.acquire({ date, time: '13:30', employeeId: ana, serviceId: svc, cells: ['13:30', '14:00', '14:30'], owner: 'x', lockId: lockIdOf(stray), ttlMs: 60_000, maxPerClient: 5 })).status).toBe('acquired');
    s.deps.lockStore.resetWatermark();
    expect(await codeOf(s.deps.booking.reschedule({ reference: a.reference, email: 'dave@example.com', lockToken: stray, date, time: '13:30', ip: '' }))).toBe('slot_taken');
    const [[row]] = await s.db.pool.query<any[]>('SELECT appointment_date FROM wp_appointments WHERE id = ?', [a.id]);
    expect(row.appointment_date).toBe(`${date} 11:00:00`);
    expect(b.time).toBe('13:00');
    await assertNoOverlaps(s.db.pool, { buffers: true });
  });
});
