import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { icsUid } from '../../server/src/mail/ics-format';
import { addDays, localDateTimeInstant } from '../../server/src/domain/time';
import { CALENDAR_SYNC_JOB } from '../../server/src/services/calendar-sync';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { startIcsServer, shiftedFixture, type IcsServer } from '../helpers/ics-server';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import type { SlotEvent } from '../../server/src/contract';

const ZONE = 'Europe/Berlin';
const DAY = 86_400_000;

/** The Monday at least a week ahead (Berlin), and how far the fixtures' first Monday (2025-09-01) must move to land on it. */
function fixtureShift(): { monday: string; days: number } {
  const today = new Date(Date.now() + 7 * DAY);
  let d = today.toISOString().slice(0, 10);
  while (new Date(`${d}T12:00:00Z`).getUTCDay() !== 1) d = addDays(d, 1);
  return { monday: d, days: Math.round((Date.parse(`${d}T00:00:00Z`) - Date.parse('2025-09-01T00:00:00Z')) / DAY) };
}

/**
 * Busy calendars and the staff feed (CONTRACT §13) against the real MariaDB
 * and Redis, with a local HTTP server serving the Google and Outlook export
 * fixtures (moved into the booking horizon by whole weeks).
 */
describe('staff calendars: busy time in, feed out', () => {
  let s: TestSidecar;
  let ics: IcsServer;
  let token: string;
  let svc: number;
  let ana: number;
  let ben: number;
  const { monday, days } = fixtureShift();
  const events: SlotEvent[] = [];

  const admin = async (method: string, path: string, json?: unknown) => {
    const res = await s.api(path, { method, token, json });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const statusAt = async (employeeId: number, date: string) => {
    const body = await (await s.api(`/availability?date=${date}&employeeId=${employeeId}&serviceId=${svc}`)).json();
    return Object.fromEntries(body.slots.map((x: { time: string; status: string }) => [x.time, x.status])) as Record<string, string>;
  };
  /** One sync run on this instance, whatever the period says. */
  const syncNow = async (side: TestSidecar = s) => {
    await side.deps.calendarSync.tick();
    await side.deps.repos.busyCalendars.requestRun(CALENDAR_SYNC_JOB);
    expect(await side.deps.calendarSync.tick()).toBe(true);
  };
  /** A busy VEVENT from `from` to `to` local time on `date`, in UTC as Google's export writes it. */
  const busyEvent = (uid: string, date: string, from: string, to: string, summary: string) => {
    const utc = (time: string) => new Date(localDateTimeInstant(`${date} ${time}:00`, ZONE)).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    return `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:${utc(from)}\r\nDTEND:${utc(to)}\r\nSUMMARY:${summary}\r\nEND:VEVENT\r\n`;
  };
  const calendarsOf = async (id: number) => (await admin('GET', '/admin/staff')).body.staff.find((m: { id: number }) => m.id === id).calendarSync;

  beforeAll(async () => {
    ics = await startIcsServer();
    ics.bodies.set('/google.ics', shiftedFixture('google-export.ics', days));
    ics.bodies.set('/outlook.ics', shiftedFixture('outlook-export.ics', days));
    s = await startSidecar({
      env: { OUTBOUND_ALLOW_PRIVATE: 'true', CALENDAR_SYNC_SECONDS: '3600', CALENDAR_FETCH_TIMEOUT_MS: '1500', AVAILABILITY_CACHE_SECONDS: '300', MAX_LOCKS_PER_CLIENT: '50' },
    });
    token = s.adminToken();
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Consultation', duration: 30, price: 40 }],
      staff: [
        { name: 'Ana', hours: everyDay(['08:00', '18:00']) },
        { name: 'Ben', hours: everyDay(['08:00', '18:00']) },
      ],
      settings: { timezone: ZONE, minNoticeMinutes: 0, maxAdvanceDays: 120, slotInterval: 30, maxBookingsPerCustomer: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [ana, ben] = ids.staffIds as [number, number];
    s.deps.hub.onEvent((e) => events.push(e));
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await ics?.close();
  });

  it('refuses non-http(s), private and malformed calendar URLs with 422 when private addresses are not allowed', async () => {
    const strict = await startSidecar({ db: s.db, prefix: s.prefix });
    try {
      const t = strict.adminToken();
      for (const url of ['ftp://calendar.example.com/a.ics', 'http://127.0.0.1:9/a.ics', 'http://10.1.2.3/a.ics', 'http://[::1]/a.ics', 'http://169.254.169.254/latest', 'not a url']) {
        const res = await strict.api(`/admin/staff/${ben}`, { method: 'PUT', token: t, json: { busyCalendars: [url] } });
        expect(res.status, url).toBe(422);
        expect((await res.json()).error.code).toBe('invalid_calendar_url');
      }
      const four = await strict.api(`/admin/staff/${ben}`, { method: 'PUT', token: t, json: { busyCalendars: ['https://a.example/1', 'https://a.example/2', 'https://a.example/3', 'https://a.example/4'] } });
      expect(four.status).toBe(400);
    } finally {
      await strict.close();
    }
    expect((await calendarsOf(ben))).toEqual([]);
  });

  it('syncs the Google and Outlook exports: the right times disappear from availability, GET /admin/staff shows the sync', async () => {
    const put = await admin('PUT', `/admin/staff/${ana}`, { busyCalendars: [`${ics.base}/google.ics`, `${ics.base}/outlook.ics`] });
    expect(put.status).toBe(200);
    expect(put.body.staff.busyCalendars).toEqual([`${ics.base}/google.ics`, `${ics.base}/outlook.ics`]);
    await syncNow();
    const cals = await calendarsOf(ana);
    expect(cals).toHaveLength(2);
    for (const c of cals) {
      expect(c.lastError).toBeNull();
      expect(Date.parse(c.lastSyncAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(c.busyIntervals).toBeGreaterThan(0);
    }

    // Google: weekly Monday 09:00–10:00 Berlin (TZID with VTIMEZONE).
    let day = await statusAt(ana, monday);
    expect([day['08:30'], day['09:00'], day['09:30'], day['10:00']]).toEqual(['available', 'unavailable', 'unavailable', 'available']);
    expect((await statusAt(ana, addDays(monday, 7)))['09:00']).toBe('unavailable');
    // EXDATE (6th Monday), the instance moved to Tuesday 14:00 (7th), the cancelled instance (8th).
    expect((await statusAt(ana, addDays(monday, 42)))['09:00']).toBe('available');
    expect((await statusAt(ana, addDays(monday, 49)))['09:00']).toBe('available');
    expect((await statusAt(ana, addDays(monday, 50)))['14:00']).toBe('unavailable');
    expect((await statusAt(ana, addDays(monday, 56)))['09:00']).toBe('available');
    // All-day busy (Wednesday of week 7): the whole local day; the transparent all-day event the day after blocks nothing but the dentist (12:00–13:00Z = 13:00–14:00 in winter).
    day = await statusAt(ana, addDays(monday, 44));
    expect(new Set(Object.values(day))).toEqual(new Set(['unavailable']));
    day = await statusAt(ana, addDays(monday, 45));
    expect([day['12:30'], day['13:00'], day['13:30'], day['14:00']]).toEqual(['available', 'unavailable', 'unavailable', 'available']);
    // Friday: transparent focus time and a cancelled call block nothing.
    day = await statusAt(ana, addDays(monday, 46));
    expect([day['09:00'], day['11:30'], day['14:00']]).toEqual(['available', 'available', 'available']);
    // Outlook (Windows zone names): weekly Tuesday 14:00–15:00; "show as free" lunch walk (Wednesday of week 5) is free.
    expect((await statusAt(ana, addDays(monday, 1)))['14:00']).toBe('unavailable');
    expect((await statusAt(ana, addDays(monday, 30)))['12:00']).toBe('available');
    // Ben has no calendar: untouched.
    expect((await statusAt(ben, monday))['09:00']).toBe('available');
  });

  it('refuses holds on busy time, and the booking transaction refuses it even when the cached day is stale', async () => {
    const held = await s.api('/locks', { method: 'POST', json: { date: monday, time: '09:00', employeeId: ana, serviceId: svc } });
    expect(held.status).toBe(409);
    expect((await held.json()).error.code).toBe('slot_unavailable');

    // A stale cache: busy time lands in MySQL without the cached day hearing of it (an invalidation lost with Redis).
    const date = addDays(monday, 2);
    expect((await statusAt(ana, date))['15:00']).toBe('available'); // cached now
    const lock = await (await s.api('/locks', { method: 'POST', json: { date, time: '15:00', employeeId: ana, serviceId: svc } })).json();
    expect(lock.lockToken).toBeTruthy();
    const [[cal]] = await s.db.pool.query<any[]>('SELECT id FROM wp_appointease_busy_calendars WHERE employee_id = ? ORDER BY position LIMIT 1', [ana]);
    const start = localDateTimeInstant(`${date} 15:00:00`, ZONE);
    await s.db.pool.query('INSERT INTO wp_appointease_busy_intervals (calendar_id, employee_id, start_ms, end_ms) VALUES (?, ?, ?, ?), (?, ?, ?, ?)', [
      cal.id, ana, start, start + 30 * 60_000, cal.id, ana, start + 60 * 60_000, start + 90 * 60_000,
    ]);
    expect((await statusAt(ana, date))['16:00']).toBe('available'); // the cache still says so
    const session = (await s.deps.sessions.create('carla@example.com')).token;
    const booked = await s.api('/appointments', { method: 'POST', token: session, json: { lockToken: lock.lockToken, date, time: '15:00', employeeId: ana, serviceId: svc, name: 'Carla' } });
    expect(booked.status).toBe(409);
    expect((await booked.json()).error.code).toBe('slot_unavailable');
    const [[n]] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointments WHERE employee_id = ?', [ana]);
    expect(Number(n.n)).toBe(0);
    // The next sync puts the calendar's own copy back: the hand-written rows go, and the day is voided.
    ics.bodies.set('/google.ics', `${ics.bodies.get('/google.ics')!} `);
    await syncNow();
    expect((await statusAt(ana, date))['16:00']).toBe('available');
  });

  it('a change of busy time voids the cached days it touches and tells open widgets; a 304 costs nothing', async () => {
    const date = addDays(monday, 3); // Thursday
    expect((await statusAt(ana, date))['11:00']).toBe('available'); // cached
    const before = ics.conditionalHits.get('/outlook.ics') ?? 0;
    const extra = busyEvent('added-1@example.com', date, '11:00', '12:00', 'Doctor');
    ics.bodies.set('/google.ics', ics.bodies.get('/google.ics')!.replace('END:VCALENDAR', `${extra}END:VCALENDAR`));
    events.length = 0;
    await syncNow();
    const day = await statusAt(ana, date);
    expect([day['10:30'], day['11:00'], day['11:30'], day['12:00']]).toEqual(['available', 'unavailable', 'unavailable', 'available']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'slot_booked', date, employeeId: ana, times: ['11:00', '11:30'] }));
    // The unchanged Outlook calendar was asked conditionally and answered 304.
    expect(ics.conditionalHits.get('/outlook.ics') ?? 0).toBeGreaterThan(before);
    // And removed again: freed, announced.
    ics.bodies.set('/google.ics', ics.bodies.get('/google.ics')!.replace(extra, ''));
    events.length = 0;
    await syncNow();
    expect((await statusAt(ana, date))['11:00']).toBe('available');
    expect(events).toContainEqual(expect.objectContaining({ type: 'slot_released', date, employeeId: ana, times: ['11:00', '11:30'] }));
  });

  it('POST /admin/busy-calendars/sync: a changed calendar is read again within seconds, not at the next period (an hour here)', async () => {
    const date = addDays(monday, 4); // Friday
    expect((await statusAt(ana, date))['15:00']).toBe('available');
    const synced = (await calendarsOf(ana)).map((c: { lastSyncAt: string }) => c.lastSyncAt);
    const extra = busyEvent('sync-now-1@example.com', date, '15:00', '15:30', 'Dentist');
    ics.bodies.set('/google.ics', ics.bodies.get('/google.ics')!.replace('END:VCALENDAR', `${extra}END:VCALENDAR`));

    expect((await s.api('/admin/busy-calendars/sync', { method: 'POST' })).status).toBe(401);
    expect(await admin('POST', '/admin/busy-calendars/sync')).toEqual({ status: 202, body: { requested: true } });
    const deadline = Date.now() + 15_000;
    while ((await statusAt(ana, date))['15:00'] !== 'unavailable') {
      if (Date.now() > deadline) throw new Error('the calendar was not read again');
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = (await calendarsOf(ana)).map((c: { lastSyncAt: string }) => c.lastSyncAt);
    expect(after.every((t: string, i: number) => Date.parse(t) > Date.parse(synced[i]))).toBe(true);
    ics.bodies.set('/google.ics', ics.bodies.get('/google.ics')!.replace(extra, ''));
    await syncNow();
  });

  it('bad calendars (50 MB, a server that never answers, hostile text, HTTP 500) cost bounded work, keep the last good copy and put the error on record', async () => {
    const deep = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${'BEGIN:VEVENT\r\n'.repeat(40)}${'END:VEVENT\r\n'.repeat(40)}END:VCALENDAR\r\n`;
    ics.bodies.set('/deep.ics', deep);
    const rule = (r: string) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@example.com\r\nDTSTART:20150101T070000Z\r\nDTEND:20150101T071500Z\r\nRRULE:${r}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    ics.bodies.set('/endless.ics', rule('FREQ=DAILY'));
    ics.bodies.set('/secondly.ics', rule('FREQ=SECONDLY'));
    const put = await admin('PUT', `/admin/staff/${ben}`, { busyCalendars: [`${ics.base}/big.ics`, `${ics.base}/hang.ics`, `${ics.base}/deep.ics`] });
    expect(put.status).toBe(200);
    const failuresBefore = await failures();
    const started = Date.now();
    const run = syncNow();
    // Meanwhile the site answers as usual.
    const t0 = Date.now();
    expect((await s.api('/locks', { method: 'POST', json: { date: addDays(monday, 4), time: '10:00', employeeId: ben, serviceId: svc } })).status).toBe(201);
    expect(Date.now() - t0).toBeLessThan(3_000);
    await run;
    expect(Date.now() - started).toBeLessThan(30_000);
    const cals = await calendarsOf(ben);
    expect(cals.map((c: any) => c.lastError?.code)).toEqual(['too_large', 'timeout', 'too_deep']);
    for (const c of cals) {
      expect(c.lastSyncAt).toBeNull();
      expect(c.lastError.message).not.toMatch(/BEGIN|VEVENT/);
    }
    // The PUT asked for an early run too: one or two runs, three failures each.
    expect([3, 6]).toContain((await failures()) - failuresBefore);

    // Endless rules: a daily one since 2015 is read up to a day past the horizon; a secondly one is stopped by the instance cap.
    await admin('PUT', `/admin/staff/${ben}`, { busyCalendars: [`${ics.base}/endless.ics`, `${ics.base}/secondly.ics`] });
    await syncNow();
    expect((await calendarsOf(ben)).map((c: any) => c.lastError?.code ?? null)).toEqual([null, 'too_many_instances']);
    expect((await statusAt(ben, addDays(monday, 100)))['08:00']).toBe('unavailable'); // 07:00Z = 08:00 in winter

    // A server error, then a broken body, after a good copy: the good copy stays.
    const anaBefore = await calendarsOf(ana);
    ics.bodies.delete('/outlook.ics');
    await admin('PUT', `/admin/staff/${ana}`, { busyCalendars: [`${ics.base}/google.ics`, `${ics.base}/status-500.ics`] });
    await syncNow();
    expect((await calendarsOf(ana))[1].lastError).toMatchObject({ code: 'http_500' });
    ics.bodies.set('/google.ics', '<html>not a calendar</html>');
    await syncNow();
    const google = (await calendarsOf(ana))[0];
    expect(google.lastError).toMatchObject({ code: 'malformed' });
    expect(google.lastSyncAt).toBe(anaBefore[0].lastSyncAt === null ? null : google.lastSyncAt);
    expect(google.busyIntervals).toBe(anaBefore[0].busyIntervals);
    expect((await statusAt(ana, monday))['09:00']).toBe('unavailable'); // the last good copy
    ics.bodies.set('/google.ics', shiftedFixture('google-export.ics', days));
  }, 90_000);

  it('the feed: parses in ical.js with the mails\' UIDs and the appointment instants, cancelled ones CANCELLED, 304 on its ETag, 404 after rotation', async () => {
    const session = (await s.deps.sessions.create('dora@example.com')).token;
    const date = addDays(monday, 5);
    const made: { reference: string; start: string; end: string }[] = [];
    for (const time of ['10:00', '11:00']) {
      const lock = await (await s.api('/locks', { method: 'POST', json: { date, time, employeeId: ben, serviceId: svc } })).json();
      const res = await s.api('/appointments', { method: 'POST', token: session, json: { lockToken: lock.lockToken, date, time, employeeId: ben, serviceId: svc, name: 'Dora Diaz' } });
      expect(res.status).toBe(201);
      made.push((await res.json()).appointment);
    }
    expect((await s.api(`/appointments/${made[1]!.reference}`, { method: 'DELETE', token: session })).status).toBe(200);

    const { body } = await admin('GET', `/admin/staff/${ben}/calendar-feed`);
    expect(body.url).toMatch(/\/appointease\/v1\/feeds\/[A-Za-z0-9_-]{43}\.ics$/);
    expect((await admin('GET', `/admin/staff/${ben}/calendar-feed`)).body.url).toBe(body.url); // shown again, not replaced
    const path = new URL(body.url).pathname.replace('/appointease/v1', '');
    const res = await s.api(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/private/);
    const etag = res.headers.get('etag')!;
    expect(etag).toBeTruthy();
    expect(res.headers.get('last-modified')).toBeTruthy();
    const text = await res.text();
    const vevents = new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(vevents).toHaveLength(2);
    for (const [i, a] of made.entries()) {
      const e = vevents.find((v) => v.uid === icsUid(a.reference))!;
      expect(e).toBeTruthy();
      expect(e.startDate.toJSDate().toISOString()).toBe(a.start);
      expect(e.endDate.toJSDate().toISOString()).toBe(a.end);
      expect(e.summary).toBe('Consultation – Dora Diaz');
      expect(e.component.getFirstPropertyValue('status')).toBe(i === 1 ? 'CANCELLED' : 'CONFIRMED');
    }
    expect(text).not.toContain('dora@example.com');
    expect((await s.api(path, { headers: { 'If-None-Match': etag } })).status).toBe(304);

    const rotated = await admin('POST', `/admin/staff/${ben}/calendar-feed/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.url).not.toBe(body.url);
    expect((await s.api(path)).status).toBe(404);
    expect((await s.api(new URL(rotated.body.url).pathname.replace('/appointease/v1', ''))).status).toBe(200);
    expect((await s.api('/feeds/nonsense.ics')).status).toBe(404);
    expect((await admin('GET', '/admin/staff/99999/calendar-feed')).status).toBe(404);
  });

  async function failures(): Promise<number> {
    return (await s.deps.metrics.calendarSyncFailures.get()).values.reduce((n, v) => n + v.value, 0);
  }
});
