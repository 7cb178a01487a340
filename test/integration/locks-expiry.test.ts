import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/** Short-lived locks (LOCK_TTL_SECONDS=2): expiry frees the time, voids the token, and is reported once. */
for (const variant of [
  { name: 'Redis', env: {} as Record<string, string> },
  { name: 'MySQL (REDIS_ENABLED=false)', env: { REDIS_ENABLED: 'false' } },
]) {
  describe(`lock expiry on ${variant.name}`, () => {
    let a: TestSidecar;
    let b: TestSidecar;
    let svc: number;
    let emp: number;
    const date = daysFromNow(3);

    beforeAll(async () => {
      // This test takes expired locks itself: the background sweeper (which would take them first) waits a minute.
      const env = { LOCK_TTL_SECONDS: '2', TRUST_PROXY: 'true', LOCK_SWEEP_INTERVAL_MS: '60000', ...variant.env };
      a = await startSidecar({ env });
      // A second instance on the same database and Redis prefix.
      b = await startSidecar({ db: a.db, prefix: a.prefix, env });
      const ids = await seedCatalogue(a.db.pool, {
        services: [{ name: 'Long', duration: 60 }],
        staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
        settings: { timezone: 'UTC', minNoticeMinutes: 0 },
      });
      [svc] = ids.serviceIds as [number];
      [emp] = ids.staffIds as [number];
    });
    afterAll(async () => {
      await b?.stop();
      await a?.stop();
    });

    it('an expired lock frees its cells, cannot book, and each expiry is taken exactly once across instances', async () => {
      const held = [] as { lockToken: string; time: string }[];
      for (const time of ['09:00', '11:00', '13:00']) {
        const res = await a.api('/locks', { method: 'POST', json: { date, time, employeeId: emp, serviceId: svc }, headers: { 'X-Forwarded-For': `10.5.0.${time.slice(0, 2)}` } });
        expect(res.status).toBe(201);
        held.push(await res.json());
      }
      expect(await a.deps.locks.takeExpired()).toEqual([]);
      await new Promise((r) => setTimeout(r, 2_300));

      expect((await (await a.api(`/locks?date=${date}&employeeId=${emp}`)).json()).locks).toEqual([]);
      expect((await (await b.api('/admin/locks', { token: b.adminToken() })).json()).locks).toEqual([]);
      const session = await a.deps.sessions.create('late@example.com');
      const late = await a.api('/appointments', { method: 'POST', token: session.token, json: { lockToken: held[0]!.lockToken, date, time: '09:00', employeeId: emp, serviceId: svc, name: 'Late' } });
      expect(late.status).toBe(409);
      expect((await late.json()).error.code).toBe('lock_invalid');
      const [rows] = await a.db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointments');
      expect(Number(rows[0].n)).toBe(0);

      const taken = (await Promise.all([a.deps.locks.takeExpired(), b.deps.locks.takeExpired(), a.deps.locks.takeExpired(), b.deps.locks.takeExpired()])).flat();
      expect(taken.map((l) => `${l.date} ${l.time} ${l.times.join(',')}`).sort()).toEqual([
        `${date} 09:00 09:00,09:30`,
        `${date} 11:00 11:00,11:30`,
        `${date} 13:00 13:00,13:30`,
      ]);
      expect(await a.deps.locks.takeExpired()).toEqual([]);

      // The time is free again, for anyone, with the same client's cap intact.
      const again = await b.api('/locks', { method: 'POST', json: { date, time: '09:30', employeeId: emp, serviceId: svc }, headers: { 'X-Forwarded-For': '10.5.0.09' } });
      expect(again.status).toBe(201);
    });
  });
}
