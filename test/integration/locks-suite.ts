import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { SlotEvent } from '../../server/src/realtime/events';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { REDIS_URL } from '../helpers/services';

/**
 * The lock contract (CONTRACT §4, §7 locks), run once on Redis and once with
 * REDIS_ENABLED=false (the MySQL store) by the two locks-*.test.ts files.
 */
export function lockSuite(label: string, env: Record<string, string>, store: 'redis' | 'mysql'): void {
  describe(`slot locks on ${label}`, () => {
    let s: TestSidecar;
    let svc30: number;
    let svc60: number;
    let svcBuffered: number;
    let emp: number;
    let dayOffEmp: number;
    let events: SlotEvent[] = [];
    let ip = 0;
    const date = daysFromNow(3);
    // Every request its own client unless a test says otherwise (TRUST_PROXY=true).
    const from = (client?: string) => ({ 'X-Forwarded-For': client ?? `10.1.${Math.floor(++ip / 250)}.${ip % 250}` });

    const lock = (body: Record<string, unknown>, client?: string) => s.api('/locks', { method: 'POST', json: body, headers: from(client) });
    const release = (body: Record<string, unknown>, client?: string) => s.api('/locks', { method: 'DELETE', json: body, headers: from(client) });

    beforeAll(async () => {
      s = await startSidecar({ env: { TRUST_PROXY: 'true', MAX_LOCKS_PER_CLIENT: '3', ...env } });
      const ids = await seedCatalogue(s.db.pool, {
        services: [{ name: 'Short', duration: 30 }, { name: 'Long', duration: 60 }, { name: 'Buffered', duration: 30, bufferBefore: 10, bufferAfter: 20 }],
        staff: [
          { name: 'Ana', hours: everyDay(['09:00', '12:00'], ['13:00', '17:00']) },
          { name: 'Ben', hours: { mon: [{ start: '09:00', end: '17:00' }] } },
        ],
        settings: { timezone: 'UTC', minNoticeMinutes: 0 },
      });
      [svc30, svc60, svcBuffered] = ids.serviceIds as [number, number, number];
      [emp, dayOffEmp] = ids.staffIds as [number, number];
      s.deps.hub.onEvent((e) => events.push(e));
    });
    afterAll(() => s?.stop());
    beforeEach(async () => {
      // A clean slate: force-release whatever the previous test held.
      for (const l of (await s.deps.locks.adminList())) await s.deps.lockStore.release(l.date, l.time, l.employeeId, null);
      events = [];
    });

    it('grants exactly one of 100 concurrent attempts on one slot', async () => {
      const results = await Promise.all(Array.from({ length: 100 }, () => lock({ date, time: '10:00', employeeId: emp, serviceId: svc30 })));
      const codes = results.map((r) => r.status);
      expect(codes.filter((c) => c === 201)).toHaveLength(1);
      expect(codes.filter((c) => c === 409)).toHaveLength(99);
      const winner = await results.find((r) => r.status === 201)!.json();
      expect(winner).toMatchObject({ date, time: '10:00', times: ['10:00'], employeeId: emp, serviceId: svc30, ttlSeconds: s.config.lockTtlSeconds });
      expect(winner.lockToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(winner.expiresAt)).toBeGreaterThan(Date.now());
      const loser = await results.find((r) => r.status === 409)!.json();
      expect(loser.error.code).toBe('slot_unavailable');
      const admin = await (await s.api('/admin/locks', { token: s.adminToken() })).json();
      expect(admin.locks).toHaveLength(1);
      expect(admin.locks[0].store).toBe(store);
    });

    it('never holds a 60-minute service at 10:00 and a 30-minute one at 10:30 together', async () => {
      for (const order of [0, 1]) {
        const attempts = Array.from({ length: 20 }, (_, i) =>
          (i + order) % 2 === 0 ? lock({ date, time: '10:00', employeeId: emp, serviceId: svc60 }) : lock({ date, time: '10:30', employeeId: emp, serviceId: svc30 }),
        );
        const results = await Promise.all(attempts);
        expect(results.filter((r) => r.status === 201)).toHaveLength(1);
        for (const l of await s.deps.locks.adminList()) await s.deps.lockStore.release(l.date, l.time, l.employeeId, null);
      }
      // Sequentially, both ways round.
      const long = await lock({ date, time: '10:00', employeeId: emp, serviceId: svc60 });
      expect(long.status).toBe(201);
      expect((await lock({ date, time: '10:30', employeeId: emp, serviceId: svc30 })).status).toBe(409);
      const longBody = await long.json();
      expect((await release({ date, time: '10:00', employeeId: emp, lockToken: longBody.lockToken })).status).toBe(204);
      expect((await lock({ date, time: '10:30', employeeId: emp, serviceId: svc30 })).status).toBe(201);
      expect((await lock({ date, time: '10:00', employeeId: emp, serviceId: svc60 })).status).toBe(409);
    });

    it('refuses release by anyone but the owner', async () => {
      const res = await lock({ date, time: '11:00', employeeId: emp, serviceId: svc30 });
      const { lockToken } = await res.json();
      const other = await (await lock({ date, time: '14:00', employeeId: emp, serviceId: svc30 })).json();
      const wrong = await release({ date, time: '11:00', employeeId: emp, lockToken: other.lockToken });
      expect(wrong.status).toBe(403);
      expect((await wrong.json()).error.code).toBe('not_lock_owner');
      expect((await release({ date, time: '11:00', employeeId: emp, lockToken: 'x'.repeat(43) })).status).toBe(403);
      expect((await s.deps.locks.listDay(date, emp)).map((l) => l.time)).toContain('11:00');
      expect((await release({ date, time: '11:00', employeeId: emp, lockToken })).status).toBe(204);
      const gone = await release({ date, time: '11:00', employeeId: emp, lockToken });
      expect(gone.status).toBe(404);
      expect((await gone.json()).error.code).toBe('lock_not_found');
      expect(events.filter((e) => e.type === 'slot_unlocked').map((e) => e.reason)).toEqual(['released']);
    });

    it('a lock covering two cells shows and frees both', async () => {
      const res = await lock({ date, time: '15:00', employeeId: emp, serviceId: svc60 });
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body.times).toEqual(['15:00', '15:30']);
      const listed = await (await s.api(`/locks?date=${date}&employeeId=${emp}`)).json();
      expect(listed).toEqual({ locks: [{ time: '15:00', times: ['15:00', '15:30'], expiresAt: body.expiresAt }] });
      const avail = await (await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc30}`)).json();
      const status = (t: string) => avail.slots.find((x: { time: string }) => x.time === t).status;
      expect([status('15:00'), status('15:30')]).toEqual(['locked', 'locked']);
      if (store === 'redis') {
        const r = new Redis(REDIS_URL);
        const ttl = await r.pttl(`${s.prefix}slot:${date}:15:30:emp${emp}`);
        const raw = await r.get(`${s.prefix}slot:${date}:15:00:emp${emp}`);
        r.disconnect();
        expect(ttl).toBeGreaterThan(0);
        expect(raw).not.toContain(body.lockToken);
      } else {
        const [rows] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointease_slot_locks');
        expect(rows.map((r) => r.time).sort()).toEqual(['15:00:00', '15:30:00']);
        expect(JSON.stringify(rows)).not.toContain(body.lockToken);
      }
      expect((await release({ date, time: '15:00', employeeId: emp, lockToken: body.lockToken })).status).toBe(204);
      const after = await (await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc30}`)).json();
      expect(after.slots.filter((x: { time: string }) => x.time === '15:00' || x.time === '15:30').map((x: { status: string }) => x.status)).toEqual(['available', 'available']);
      expect((await lock({ date, time: '15:30', employeeId: emp, serviceId: svc30 })).status).toBe(201);
    });

    it('buffers are part of the lock', async () => {
      const res = await lock({ date, time: '10:00', employeeId: emp, serviceId: svcBuffered });
      expect(res.status).toBe(201);
      expect((await res.json()).times).toEqual(['09:30', '10:00', '10:30']);
      expect((await lock({ date, time: '09:30', employeeId: emp, serviceId: svc30 })).status).toBe(409);
      expect((await lock({ date, time: '10:30', employeeId: emp, serviceId: svc30 })).status).toBe(409);
      expect((await lock({ date, time: '11:00', employeeId: emp, serviceId: svc30 })).status).toBe(201);
    });

    it('caps locks per client: 429 at exactly cap + 1, and a release makes room', async () => {
      const me = '192.0.2.77';
      const tokens: string[] = [];
      for (const time of ['09:00', '09:30', '10:00']) {
        const res = await lock({ date, time, employeeId: emp, serviceId: svc30 }, me);
        expect(res.status).toBe(201);
        tokens.push((await res.json()).lockToken);
      }
      const fourth = await lock({ date, time: '10:30', employeeId: emp, serviceId: svc30 }, me);
      expect(fourth.status).toBe(429);
      expect((await fourth.json()).error.code).toBe('too_many_locks');
      // Someone else is not affected, and nothing of the refused lock was stored.
      expect((await lock({ date, time: '10:30', employeeId: emp, serviceId: svc30 }, '192.0.2.78')).status).toBe(201);
      expect((await release({ date, time: '09:00', employeeId: emp, lockToken: tokens[0] }, me)).status).toBe(204);
      expect((await lock({ date, time: '11:00', employeeId: emp, serviceId: svc30 }, me)).status).toBe(201);
    });

    it('refuses bad input and stores nothing', async () => {
      const past = daysFromNow(-2);
      const cases: [Record<string, unknown>, number, string][] = [
        [{ date, time: '07:00', employeeId: emp, serviceId: svc30 }, 409, 'slot_unavailable'],
        [{ date, time: '12:00', employeeId: emp, serviceId: svc30 }, 409, 'slot_unavailable'],
        [{ date, time: '16:30', employeeId: emp, serviceId: svc60 }, 409, 'slot_unavailable'],
        [{ date, time: '09:10', employeeId: emp, serviceId: svc30 }, 409, 'slot_unavailable'],
        [{ date: past, time: '10:00', employeeId: emp, serviceId: svc30 }, 409, 'slot_unavailable'],
        [{ date: daysFromNow(400), time: '10:00', employeeId: emp, serviceId: svc30 }, 409, 'slot_unavailable'],
        [{ date: nextNonMonday(), time: '10:00', employeeId: dayOffEmp, serviceId: svc30 }, 409, 'slot_unavailable'],
        [{ date, time: '10:00', employeeId: emp, serviceId: 9999 }, 404, 'not_found'],
        [{ date, time: '10:00', employeeId: 9999, serviceId: svc30 }, 404, 'not_found'],
        [{ date: '2025-02-30', time: '10:00', employeeId: emp, serviceId: svc30 }, 400, 'invalid_request'],
        [{ date: '28.10.2025', time: '10:00', employeeId: emp, serviceId: svc30 }, 400, 'invalid_request'],
        [{ date, time: '25:00', employeeId: emp, serviceId: svc30 }, 400, 'invalid_request'],
        [{ date, time: '10:00', employeeId: '1', serviceId: svc30 }, 400, 'invalid_request'],
        [{ date, time: '10:00', employeeId: emp }, 400, 'invalid_request'],
        [{ date, time: '10:00', employeeId: -1, serviceId: svc30 }, 400, 'invalid_request'],
      ];
      for (const [body, status, code] of cases) {
        const res = await lock(body);
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), status]);
        expect((await res.json()).error.code).toBe(code);
      }
      const broken = await s.api('/locks', { method: 'POST', body: '{"date":', headers: { 'Content-Type': 'application/json' } });
      expect(broken.status).toBe(400);
      expect(await s.deps.locks.adminList()).toEqual([]);
      const [rows] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointease_slot_locks');
      expect(Number(rows[0].n)).toBe(0);
      if (store === 'redis') {
        const r = new Redis(REDIS_URL);
        const [, keys] = await r.scan('0', 'MATCH', `${s.prefix}slot:*`, 'COUNT', 10_000);
        r.disconnect();
        expect(keys).toEqual([]);
      }
      expect(events).toEqual([]);
    });

    it('follows hours and time off changed between holds (no stale in-process catalogue)', async () => {
      const admin = { token: s.adminToken() };
      const created = await s.api('/admin/staff', { ...admin, method: 'POST', json: { name: 'Cleo', email: 'cleo@example.test', workingHours: everyDay(['09:00', '17:00']) } });
      expect(created.status).toBe(201);
      const cleo: number = (await created.json()).staff.id;
      const day = daysFromNow(5);
      const held = async () => ((await (await s.api(`/locks?date=${day}&employeeId=${cleo}`)).json()).locks as { time: string }[]).map((l) => l.time);
      // Warm: this instance now knows the catalogue generation and holds a snapshot.
      expect((await lock({ date: day, time: '09:00', employeeId: cleo, serviceId: svc30 })).status).toBe(201);

      const moved = await s.api(`/admin/staff/${cleo}`, { ...admin, method: 'PUT', json: { workingHours: everyDay(['13:00', '17:00']) } });
      expect(moved.status).toBe(200);
      const early = await lock({ date: day, time: '10:00', employeeId: cleo, serviceId: svc30 });
      expect(early.status).toBe(409);
      expect((await early.json()).error.code).toBe('slot_unavailable');
      expect((await lock({ date: day, time: '14:00', employeeId: cleo, serviceId: svc30 })).status).toBe(201);

      const off = await s.api(`/admin/staff/${cleo}/time-off`, { ...admin, method: 'POST', json: { startDate: day, endDate: day } });
      expect(off.status).toBe(201);
      expect((await lock({ date: day, time: '15:00', employeeId: cleo, serviceId: svc30 })).status).toBe(409);
      expect(await held()).toEqual(['09:00', '14:00']);
    });

    it('lists a day without owners or tokens, and validates the query', async () => {
      const a = await (await lock({ date, time: '13:00', employeeId: emp, serviceId: svc30 })).json();
      await lock({ date, time: '09:00', employeeId: emp, serviceId: svc60 });
      const res = await s.api(`/locks?date=${date}&employeeId=${emp}`);
      const body = await res.json();
      expect(body.locks.map((l: { time: string }) => l.time)).toEqual(['09:00', '13:00']);
      for (const l of body.locks) expect(Object.keys(l).sort()).toEqual(['expiresAt', 'time', 'times']);
      expect(JSON.stringify(body)).not.toContain(a.lockToken);
      expect((await s.api(`/locks?date=${date}&employeeId=${dayOffEmp}`).then((r) => r.json())).locks).toEqual([]);
      expect((await s.api(`/locks?date=nope&employeeId=${emp}`)).status).toBe(400);
    });

    it('admin lists every lock with owner and store, and force-releases with an event and an audit row', async () => {
      await lock({ date, time: '14:00', employeeId: emp, serviceId: svc60 }, '198.51.100.7');
      expect((await s.api('/admin/locks')).status).toBe(401);
      expect((await s.api('/admin/locks', { token: 'not-a-jwt' })).status).toBe(401);
      const list = await (await s.api('/admin/locks', { token: s.adminToken() })).json();
      expect(list.locks).toHaveLength(1);
      const l = list.locks[0];
      expect(l).toMatchObject({ date, time: '14:00', times: ['14:00', '14:30'], employeeId: emp, serviceId: svc60, owner: '198.51.100.7', store });
      expect(l.ttlSeconds).toBeGreaterThan(0);
      expect(l.ttlSeconds).toBeLessThanOrEqual(s.config.lockTtlSeconds);
      expect(Object.keys(l).sort()).toEqual(['date', 'employeeId', 'endTime', 'expiresAt', 'owner', 'serviceId', 'store', 'time', 'times', 'ttlSeconds']);
      // The service's own end (60 minutes), not the last grid cell's start (14:30).
      expect(l.endTime).toBe('15:00');
      expect(events.find((e) => e.type === 'slot_locked')).toMatchObject({ owner: '198.51.100.7', serviceId: svc60, expiresAt: l.expiresAt });

      const del = await s.api('/admin/locks', { method: 'DELETE', token: s.adminToken(), json: { date, time: '14:00', employeeId: emp } });
      expect(del.status).toBe(204);
      expect(events.find((e) => e.type === 'slot_unlocked')).toMatchObject({ reason: 'admin', time: '14:00', times: ['14:00', '14:30'] });
      const [audit] = await s.db.pool.query<any[]>("SELECT * FROM wp_appointease_audit_log WHERE action = 'lock.force_release'");
      expect(audit).toHaveLength(1);
      expect(audit[0].actor).toBe('admin:1');
      const again = await s.api('/admin/locks', { method: 'DELETE', token: s.adminToken(), json: { date, time: '14:00', employeeId: emp } });
      expect(again.status).toBe(404);
      expect((await s.api('/admin/locks', { method: 'DELETE', token: s.adminToken(), json: { date } })).status).toBe(400);
      expect((await lock({ date, time: '14:30', employeeId: emp, serviceId: svc30 })).status).toBe(201);
    });

    it('the month view sees live locks', async () => {
      for (const time of ['09:00', '09:30', '10:00']) await lock({ date, time, employeeId: emp, serviceId: svc30 });
      const month = date.slice(0, 7);
      const body = await (await s.api(`/availability/month?month=${month}&employeeId=${emp}&serviceId=${svc30}`)).json();
      const day = body.days.find((d: { date: string }) => d.date === date);
      const full = await (await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc30}`)).json();
      expect(day.available).toBe(full.slots.filter((x: { status: string }) => x.status === 'available').length);
      expect(full.slots.filter((x: { status: string }) => x.status === 'locked').map((x: { time: string }) => x.time)).toEqual(['09:00', '09:30', '10:00']);
    });
  });
}

/** A date soon that is not a Monday (Ben only works Mondays). */
function nextNonMonday(): string {
  for (let i = 2; ; i++) {
    const d = daysFromNow(i);
    if (new Date(`${d}T00:00:00Z`).getUTCDay() !== 1) return d;
  }
}
