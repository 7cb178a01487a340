import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, startSidecarPair, type SidecarPair, type TestSidecar } from '../helpers/sidecar';
import { sleep, TestSocket, until, wsUrl, type Message } from '../helpers/ws-client';

/**
 * Expiry events (issue 5 §3): a lock whose TTL runs out is announced as
 * slot_unlocked/expired within 2 s, exactly once across all instances —
 * on Redis-held locks (events cross instances through slot_updates) and on
 * MySQL-held ones (REDIS_ENABLED=false: exactly one instance's sweeper takes
 * the row, so exactly one instance announces it to its own clients).
 */
describe.each([
  { label: 'Redis', env: {} as Record<string, string>, crossInstance: true },
  { label: 'MySQL (REDIS_ENABLED=false)', env: { REDIS_ENABLED: 'false' }, crossInstance: false },
])('lock expiry across two instances on $label', ({ env, crossInstance }) => {
  let pair: SidecarPair;
  let a: TestSidecar;
  let b: TestSidecar;
  let emp: number;
  let svc: number;
  const date = daysFromNow(4);
  const isExpiry = (m: Message) => m.type === 'slot_unlocked' && m.reason === 'expired';

  beforeAll(async () => {
    pair = await startSidecarPair({ LOCK_TTL_SECONDS: '2', TRUST_PROXY: 'true', ...env });
    ({ a, b } = pair);
    const ids = await seedCatalogue(pair.db.pool, {
      services: [{ name: 'Cut', duration: 60 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
    if (crossInstance) await pair.subscribed();
  });
  afterAll(async () => {
    await pair?.stop();
  });

  it('announces each expired lock once, within 2 s of its TTL', async () => {
    const subscribe = async (s: TestSidecar) => {
      const t = await TestSocket.open(wsUrl(s.url));
      await t.request({ type: 'subscribe', date, employeeId: emp }, (m) => m.type === 'subscribed');
      return t;
    };
    const onA = await subscribe(a);
    const onB = await subscribe(b);
    const admin = await TestSocket.open(wsUrl(b.url));
    await admin.request({ type: 'auth', token: b.adminToken() }, (m) => m.type === 'authenticated');

    const times = ['09:00', '11:00', '14:00'];
    const locks: { time: string; expiresAt: string; times: string[] }[] = [];
    for (const [i, time] of times.entries()) {
      const res = await (i % 2 === 0 ? a : b).api('/locks', {
        method: 'POST',
        json: { date, time, employeeId: emp, serviceId: svc },
        headers: { 'X-Forwarded-For': `10.9.0.${i + 1}` },
      });
      expect(res.status).toBe(201);
      locks.push(await res.json());
    }
    const watchers = crossInstance ? [onA, onB] : [];
    for (const t of watchers) for (const time of times) await t.next((m) => m.type === 'slot_locked' && m.time === time);

    const lastExpiry = Math.max(...locks.map((l) => Date.parse(l.expiresAt)));
    await sleep(Math.max(0, lastExpiry - Date.now()) + 2_000);

    if (crossInstance) {
      // Each lock's expiry reached the clients of both instances, once, in time.
      for (const t of [onA, onB]) {
        for (const l of locks) {
          const got = t.messages.filter((m) => isExpiry(m) && m.time === l.time);
          expect(got).toHaveLength(1);
          expect(got[0]).toMatchObject({ date, employeeId: emp, times: l.times });
          expect(got[0]!.ts as number).toBeLessThanOrEqual(Date.parse(l.expiresAt) + 2_000);
          expect(got[0]).not.toHaveProperty('owner');
        }
      }
      const adminExpiries = admin.messages.filter(isExpiry);
      expect(adminExpiries).toHaveLength(3);
      expect(adminExpiries[0]).toHaveProperty('owner');
    } else {
      // Without Redis each instance tells only its own clients, and exactly one instance took each row.
      for (const l of locks) {
        const got = [...onA.messages, ...onB.messages].filter((m) => isExpiry(m) && m.time === l.time);
        expect(got).toHaveLength(1);
        expect(got[0]!.ts as number).toBeLessThanOrEqual(Date.parse(l.expiresAt) + 2_000);
      }
    }
    // And the times are free again over REST.
    const avail = await (await a.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc}`)).json();
    for (const time of times) expect(avail.slots.find((x: { time: string }) => x.time === time).status).toBe('available');
    for (const t of [onA, onB, admin]) t.close();
  });
});

describe('a time locked again before its old lock was swept (Redis)', () => {
  let s: TestSidecar;
  let emp: number;
  let svc: number;
  const date = daysFromNow(4);
  beforeAll(async () => {
    // The sweeper is driven by hand here, so the race is not left to timing.
    s = await startSidecar({ env: { LOCK_TTL_SECONDS: '2', TRUST_PROXY: 'true', LOCK_SWEEP_INTERVAL_MS: '60000' } });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut', duration: 60 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
  });
  afterAll(() => s?.stop());

  it('announces the old expiry once, then the new holder, so pages end showing the time held', async () => {
    const t = await TestSocket.open(wsUrl(s.url));
    await t.request({ type: 'subscribe', date, employeeId: emp }, (m) => m.type === 'subscribed');
    const lock = (time: string, ip: string) =>
      s.api('/locks', { method: 'POST', json: { date, time, employeeId: emp, serviceId: svc }, headers: { 'X-Forwarded-For': ip } });
    expect((await lock('10:00', '10.8.0.1')).status).toBe(201);
    await sleep(2_100);
    // Overlaps the expired 10:00–11:00 hold on 10:30.
    expect((await lock('10:30', '10.8.0.2')).status).toBe(201);
    await s.deps.sweeper.sweep();
    await t.next((m) => isExpiry(m) && m.time === '10:00');
    await until(() => t.count((m) => m.type === 'slot_locked' && m.time === '10:30') === 2);
    expect(t.messages.at(-1)).toMatchObject({ type: 'slot_locked', time: '10:30', times: ['10:30', '11:00'] });
    const kinds = t.messages.filter((m) => m.type.startsWith('slot_')).map((m) => `${m.type} ${m.time}`);
    expect(kinds).toEqual(['slot_locked 10:00', 'slot_locked 10:30', 'slot_unlocked 10:00', 'slot_locked 10:30']);
    await s.deps.sweeper.sweep();
    await sleep(100);
    expect(t.count(isExpiry)).toBe(1);
    t.close();
  });
});

const isExpiry = (m: Message) => m.type === 'slot_unlocked' && m.reason === 'expired';
