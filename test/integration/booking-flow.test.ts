import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlotEvent } from '../../server/src/realtime/events';
import { lockIdOf, newLockToken } from '../../server/src/stores/lock-store';
import { assertNoOverlaps } from '../helpers/assert-no-overlaps';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

describe('booking POST /appointments (real MariaDB + Redis)', () => {
  let s: TestSidecar;
  let svc30: number;
  let svc60: number;
  let emp: number;
  let alice: string;
  let bob: string;
  let events: SlotEvent[] = [];
  let ip = 0;
  const date = daysFromNow(4);

  const lock = async (time: string, serviceId = svc30, employeeId = emp) => {
    const res = await s.api('/locks', { method: 'POST', json: { date, time, employeeId, serviceId }, headers: { 'X-Forwarded-For': `10.9.0.${++ip % 250}` } });
    expect(res.status).toBe(201);
    return (await res.json()) as { lockToken: string; times: string[] };
  };
  const book = (token: string | undefined, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    s.api('/appointments', { method: 'POST', token, json: body, headers });
  const countAppointments = async () => Number((await s.db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointments'))[0][0].n);

  beforeAll(async () => {
    s = await startSidecar({ env: { TRUST_PROXY: 'true', MAX_LOCKS_PER_CLIENT: '50' } });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut', duration: 30, price: 25 }, { name: 'Colour', duration: 60, bufferAfter: 15, price: 80 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
      // Alice and Bob book far more than the default cap of five here; the cap has its own tests (booking-rules).
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxBookingsPerCustomer: 0 },
    });
    [svc30, svc60] = ids.serviceIds as [number, number];
    [emp] = ids.staffIds as [number];
    alice = (await s.deps.sessions.create('alice@example.com')).token;
    bob = (await s.deps.sessions.create('bob@example.com')).token;
    s.deps.hub.onEvent((e) => events.push(e));
  });
  afterAll(() => s?.stop());
  beforeEach(() => {
    events = [];
  });

  it('books a held time: 201 with the contract shape, lock consumed, day shows booked, customer, audit and event', async () => {
    const l = await lock('10:00', svc60);
    events = [];
    const res = await book(alice, { lockToken: l.lockToken, date, time: '10:00', employeeId: emp, serviceId: svc60, name: ' Alice A. ', phone: '+49 30 1234', notes: 'Window seat' });
    expect(res.status).toBe(201);
    const { appointment } = await res.json();
    expect(Object.keys(appointment).sort()).toEqual(['date', 'email', 'employeeId', 'end', 'endTime', 'id', 'name', 'reference', 'serviceId', 'start', 'status', 'time']);
    expect(appointment).toMatchObject({
      date,
      time: '10:00',
      endTime: '11:00',
      start: `${date}T10:00:00.000Z`,
      end: `${date}T11:00:00.000Z`,
      employeeId: emp,
      serviceId: svc60,
      status: 'confirmed',
      name: 'Alice A.',
      email: 'alice@example.com',
    });
    expect(appointment.reference).toMatch(/^APT-\d{4}-\d{6}$/);

    const [[row]] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointments WHERE id = ?', [appointment.id]);
    expect(row).toMatchObject({ appointment_date: `${date} 10:00:00`, end_date: `${date} 11:00:00`, buffer_before: 0, buffer_after: 15, strong_id: appointment.reference, phone: '+49 30 1234', notes: 'Window seat' });
    expect(row.customer_id).toBeGreaterThan(0);
    const [[customer]] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointease_customers WHERE id = ?', [row.customer_id]);
    expect(customer).toMatchObject({ email: 'alice@example.com', name: 'Alice A.', total_appointments: 1 });

    expect(await s.deps.locks.listDay(date, emp)).toEqual([]);
    const avail = await (await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc30}`)).json();
    const st = (t: string) => avail.slots.find((x: { time: string }) => x.time === t).status;
    expect([st('10:00'), st('10:30'), st('11:00'), st('11:30')]).toEqual(['booked', 'booked', 'unavailable', 'available']);

    expect(events.map((e) => e.type)).toEqual(['slot_booked']);
    expect(events[0]).toMatchObject({ date, time: '10:00', times: ['10:00', '10:30', '11:00'], employeeId: emp });
    const [audit] = await s.db.pool.query<any[]>("SELECT * FROM wp_appointease_audit_log WHERE action = 'appointment.booked'");
    expect(audit.map((a) => a.entity_id)).toContain(String(appointment.id));
    expect(JSON.stringify(audit)).not.toContain('alice@example.com');

    // The hold is spent: the same token books nothing more.
    const again = await book(alice, { lockToken: l.lockToken, date, time: '10:00', employeeId: emp, serviceId: svc60, name: 'Alice' });
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('lock_invalid');
  });

  it('a booked time, its buffer and a day off cannot be held, and nothing of the refused hold remains', async () => {
    // 10:00–11:00 plus a 15-minute buffer is booked by the first test.
    events = [];
    for (const [time, serviceId] of [['10:00', svc30], ['10:30', svc30], ['11:00', svc30], ['09:30', svc60]] as const) {
      const res = await s.api('/locks', { method: 'POST', json: { date, time, employeeId: emp, serviceId }, headers: { 'X-Forwarded-For': '10.9.9.9' } });
      expect([time, res.status]).toEqual([time, 409]);
      expect((await res.json()).error.code).toBe('slot_unavailable');
    }
    const offDay = daysFromNow(8);
    await s.db.pool.query('INSERT INTO wp_appointease_timeoff (staff_id, start_date, end_date) VALUES (?, ?, ?)', [emp, offDay, offDay]);
    await s.deps.catalogue.changed();
    const off = await s.api('/locks', { method: 'POST', json: { date: offDay, time: '10:00', employeeId: emp, serviceId: svc30 }, headers: { 'X-Forwarded-For': '10.9.9.9' } });
    expect(off.status).toBe(409);
    expect(events).toEqual([]);
    expect((await s.deps.locks.adminList()).filter((l) => l.owner === '10.9.9.9')).toEqual([]);
    // The next free time can still be held by the same client.
    expect((await s.api('/locks', { method: 'POST', json: { date, time: '11:30', employeeId: emp, serviceId: svc30 }, headers: { 'X-Forwarded-For': '10.9.9.9' } })).status).toBe(201);
  });

  it('refuses wrong, foreign, mismatched and missing tokens with 409 lock_invalid and stores nothing', async () => {
    const before = await countAppointments();
    const mine = await lock('13:00');
    const theirs = await lock('14:00');
    const base = { date, time: '13:00', employeeId: emp, serviceId: svc30, name: 'Bob' };
    const attempts = [
      { ...base, lockToken: newLockToken() },
      { ...base, lockToken: theirs.lockToken },
      { ...base, lockToken: mine.lockToken, time: '13:30' },
      { ...base, lockToken: mine.lockToken, serviceId: svc60 },
      { ...base, lockToken: lockIdOf(mine.lockToken) },
    ];
    for (const body of attempts) {
      const res = await book(bob, body);
      expect(res.status).toBe(409);
      expect((await res.json()).error.code).toBe('lock_invalid');
    }
    expect((await book(bob, { ...base, lockToken: 'x'.repeat(500) })).status).toBe(400);
    expect(await countAppointments()).toBe(before);
    // The holds survive failed attempts; the right token still books.
    expect((await book(bob, { ...base, lockToken: mine.lockToken })).status).toBe(201);
  });

  it('needs a session and valid fields', async () => {
    const l = await lock('15:00');
    const base = { lockToken: l.lockToken, date, time: '15:00', employeeId: emp, serviceId: svc30, name: 'Carol' };
    const before = await countAppointments();
    expect((await book(undefined, base)).status).toBe(401);
    expect((await book('made-up-session-token-123456', base)).status).toBe(401);
    const bad: Record<string, unknown>[] = [
      { ...base, name: 'x'.repeat(101) },
      { ...base, name: '   ' },
      { ...base, name: undefined },
      { ...base, notes: 'n'.repeat(2001) },
      { ...base, phone: '1'.repeat(21) },
      { ...base, phone: '<script>' },
      { ...base, date: '2025-13-01' },
      { ...base, employeeId: '1' },
      { ...base, lockToken: '' },
    ];
    for (const body of bad) {
      const res = await book(alice, body);
      expect([JSON.stringify(body).slice(0, 80), res.status]).toEqual([JSON.stringify(body).slice(0, 80), 400]);
      expect((await res.json()).error.code).toBe('invalid_request');
    }
    const huge = await book(alice, { ...base, notes: 'n'.repeat(20_000) });
    expect(huge.status).toBe(413);
    expect((await book(alice, base, { 'Idempotency-Key': 'has space' })).status).toBe(400);
    expect(await countAppointments()).toBe(before);
    expect((await s.deps.locks.listDay(date, emp)).map((x) => x.time)).toContain('15:00');
  });

  it('replays the same Idempotency-Key with the same body, and refuses it with another body (422)', async () => {
    const l = await lock('16:00');
    const body = { lockToken: l.lockToken, date, time: '16:00', employeeId: emp, serviceId: svc30, name: 'Dan' };
    const first = await book(alice, body, { 'Idempotency-Key': 'key-16-00' });
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const replays = await Promise.all([1, 2, 3].map(() => book(alice, body, { 'Idempotency-Key': 'key-16-00' })));
    for (const r of replays) {
      expect(r.status).toBe(201);
      expect(await r.json()).toEqual(firstBody);
    }
    const other = await book(alice, { ...body, name: 'Someone else' }, { 'Idempotency-Key': 'key-16-00' });
    expect(other.status).toBe(422);
    expect((await other.json()).error.code).toBe('idempotency_key_reused');
    // Another customer's identical key is theirs alone: no replay of Alice's booking.
    const bobs = await book(bob, body, { 'Idempotency-Key': 'key-16-00' });
    expect(bobs.status).toBe(409);
    expect(JSON.stringify(await bobs.json())).not.toContain('alice');
    const [rows] = await s.db.pool.query<any[]>("SELECT id FROM wp_appointments WHERE appointment_date = ?", [`${date} 16:00:00`]);
    expect(rows).toHaveLength(1);
  });

  it('concurrent duplicate submissions with one key make one appointment', async () => {
    const l = await lock('09:00');
    const body = { lockToken: l.lockToken, date, time: '09:00', employeeId: emp, serviceId: svc30, name: 'Eve' };
    const results = await Promise.all(Array.from({ length: 8 }, () => book(bob, body, { 'Idempotency-Key': 'eve-9' })));
    const bodies = await Promise.all(results.map((r) => r.json()));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(bodies.map((b) => b.appointment.id)).size).toBe(1);
    await assertNoOverlaps(s.db.pool, { buffers: true });
  });

  it('two valid tokens for one time (a fallback lock beside a Redis lock) end in one appointment and one 409 slot_taken', async () => {
    const d2 = daysFromNow(5);
    // Two hours apart: a 60-minute service plus its 15-minute buffer never reaches the next round.
    for (const time of ['09:00', '11:00', '13:00', '15:00']) {
      const a = await s.api('/locks', { method: 'POST', json: { date: d2, time, employeeId: emp, serviceId: svc60 }, headers: { 'X-Forwarded-For': '10.7.7.1' } });
      expect(a.status).toBe(201);
      const tokenA = (await a.json()).lockToken as string;
      // What an outage leaves behind: the same cells held in the MySQL store too.
      const tokenB = newLockToken();
      const b = await s.deps.lockStore.mysql.acquire({ date: d2, time, employeeId: emp, serviceId: svc30, cells: [time], owner: '10.7.7.2', lockId: lockIdOf(tokenB), ttlMs: 60_000, maxPerClient: 10 });
      expect(b.status).toBe('acquired');
      s.deps.lockStore.resetWatermark();
      const [ra, rb] = await Promise.all([
        book(alice, { lockToken: tokenA, date: d2, time, employeeId: emp, serviceId: svc60, name: 'A' }),
        book(bob, { lockToken: tokenB, date: d2, time, employeeId: emp, serviceId: svc30, name: 'B' }),
      ]);
      const statuses = [ra.status, rb.status].sort();
      expect(statuses).toEqual([201, 409]);
      const loser = ra.status === 409 ? ra : rb;
      expect((await loser.json()).error.code).toBe('slot_taken');
      await s.deps.lockStore.release(d2, time, emp, null);
      await s.deps.lockStore.release(d2, time, emp, null);
    }
    const [rows] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointments WHERE appointment_date LIKE ?', [`${d2}%`]);
    expect(Number(rows[0].n)).toBe(4);
    await assertNoOverlaps(s.db.pool, { buffers: true });
  });
});
