import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecarPair, type SidecarPair, type TestSidecar } from '../helpers/sidecar';
import { sleep, TestSocket, wsUrl, type Message } from '../helpers/ws-client';

/**
 * The real routes, end to end through the fan-out: every hold, release,
 * forced release, booking, cancellation and reschedule made on one instance
 * reaches the subscribers of both instances exactly once.
 */
describe('slot events from the real API across two instances', () => {
  let pair: SidecarPair;
  let a: TestSidecar;
  let b: TestSidecar;
  let emp: number;
  let svc: number;
  let onA: TestSocket;
  let onB: TestSocket;
  const date = daysFromNow(5);
  let ip = 0;
  const headers = () => ({ 'X-Forwarded-For': `10.77.0.${++ip}` });

  const hold = async (s: TestSidecar, time: string, day = date) => {
    const res = await s.api('/locks', { method: 'POST', json: { date: day, time, employeeId: emp, serviceId: svc }, headers: headers() });
    expect(res.status).toBe(201);
    return (await res.json()) as { lockToken: string; times: string[] };
  };
  /** Both sockets receive exactly one event matching, and nothing else of that kind arrives later. */
  const seenOnceByBoth = async (match: (m: Message) => boolean) => {
    const [x, y] = await Promise.all([onA.next(match), onB.next(match)]);
    expect(x).toEqual(y);
    await sleep(150);
    expect(onA.count(match)).toBe(1);
    expect(onB.count(match)).toBe(1);
    return x;
  };

  beforeAll(async () => {
    pair = await startSidecarPair({ TRUST_PROXY: 'true' });
    ({ a, b } = pair);
    const ids = await seedCatalogue(pair.db.pool, {
      services: [{ name: 'Cut', duration: 60 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
    await pair.subscribed();
    onA = await TestSocket.open(wsUrl(a.url));
    onB = await TestSocket.open(wsUrl(b.url));
    for (const t of [onA, onB]) {
      await t.request({ type: 'subscribe', date, employeeId: emp }, (m) => m.type === 'subscribed');
      await t.request({ type: 'subscribe', date: daysFromNow(6), employeeId: emp }, (m) => m.type === 'subscribed');
    }
  });
  afterAll(async () => {
    onA?.close();
    onB?.close();
    await pair?.stop();
  });

  it('hold and release', async () => {
    const lock = await hold(a, '09:00');
    const locked = await seenOnceByBoth((m) => m.type === 'slot_locked' && m.time === '09:00');
    expect(locked).toMatchObject({ date, employeeId: emp, times: lock.times });
    expect(locked).not.toHaveProperty('owner');
    const res = await b.api('/locks', { method: 'DELETE', json: { date, time: '09:00', employeeId: emp, lockToken: lock.lockToken } });
    expect(res.status).toBe(204);
    expect((await seenOnceByBoth((m) => m.type === 'slot_unlocked' && m.time === '09:00')).reason).toBe('released');
  });

  it('forced release by an admin', async () => {
    await hold(b, '11:00');
    await seenOnceByBoth((m) => m.type === 'slot_locked' && m.time === '11:00');
    const res = await a.api('/admin/locks', { method: 'DELETE', json: { date, time: '11:00', employeeId: emp }, token: a.adminToken() });
    expect(res.status).toBe(204);
    expect((await seenOnceByBoth((m) => m.type === 'slot_unlocked' && m.time === '11:00')).reason).toBe('admin');
  });

  it('booking, reschedule away, and cancellation', async () => {
    const session = await a.deps.sessions.create('rt@example.com');
    const lock = await hold(a, '13:00');
    await seenOnceByBoth((m) => m.type === 'slot_locked' && m.time === '13:00');
    const booked = await a.api('/appointments', {
      method: 'POST',
      token: session.token,
      json: { lockToken: lock.lockToken, date, time: '13:00', employeeId: emp, serviceId: svc, name: 'Rea Time' },
    });
    expect(booked.status).toBe(201);
    const { appointment } = await booked.json();
    await seenOnceByBoth((m) => m.type === 'slot_booked' && m.time === '13:00');

    const next = daysFromNow(6);
    const moveLock = await hold(b, '10:00', next);
    await seenOnceByBoth((m) => m.type === 'slot_locked' && m.date === next);
    const moved = await b.api(`/appointments/${appointment.reference}`, {
      method: 'PATCH',
      token: session.token,
      json: { lockToken: moveLock.lockToken, date: next, time: '10:00' },
    });
    expect(moved.status).toBe(200);
    expect((await seenOnceByBoth((m) => m.type === 'slot_released' && m.time === '13:00')).reason).toBe('rescheduled');
    await seenOnceByBoth((m) => m.type === 'slot_booked' && m.date === next);

    const cancelled = await a.api(`/appointments/${appointment.reference}`, { method: 'DELETE', token: session.token });
    expect(cancelled.status).toBe(200);
    expect((await seenOnceByBoth((m) => m.type === 'slot_released' && m.date === next)).reason).toBe('cancelled');
  });
});
