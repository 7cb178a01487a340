import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { sleep, TestSocket, wsUrl } from '../helpers/ws-client';

/**
 * The expiry sweeper runs every 500 ms on every instance. While Redis
 * serves, MySQL's lock table is empty unless an outage left rows there, so
 * the sweeper must not open a MySQL transaction each time (it did: six
 * statements a second per instance, the largest steady database load in
 * `npm run bench -- dbload`) — yet a fallback lock left by an outage must
 * still be announced when it expires.
 */
describe('lock sweeper and MySQL while Redis is up', () => {
  let s: TestSidecar;
  let svc: number;
  let emp: number;
  beforeAll(async () => {
    s = await startSidecar({ env: { LOCK_TTL_SECONDS: '2' } });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ duration: 30 }],
      staff: [{ hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
  });
  afterAll(() => s?.stop());

  it('with no lock rows in MySQL, the sweeper sends MySQL one watermark read every 5 s and no transaction', async () => {
    expect(s.deps.guard.state).toBe('up');
    await sleep(1_200); // past the first read
    const transactions = vi.spyOn(s.deps.pool, 'getConnection');
    const queries = vi.spyOn(s.deps.pool, 'query');
    await sleep(6_000);
    expect(transactions).not.toHaveBeenCalled();
    // The outbox worker's poll (one read a second while nothing is due, docs/outbox.md) is not the sweeper's.
    const sweeper = queries.mock.calls.filter(([sql]) => !/appointease_outbox`/.test(String(sql)));
    // One watermark read per 5 s while the last found no rows (it was one a second).
    expect(sweeper.length).toBeGreaterThanOrEqual(1);
    expect(sweeper.length).toBeLessThanOrEqual(2);
    expect(sweeper.every(([sql]) => /EXISTS\(SELECT 1 FROM/.test(String(sql)))).toBe(true);
    transactions.mockRestore();
    queries.mockRestore();
  });

  it('a lock left in MySQL by an outage (another instance) is still announced when it expires, and taken away', async () => {
    const date = daysFromNow(3);
    const socket = await TestSocket.open(wsUrl(s.url));
    try {
      await socket.request({ type: 'subscribe', date, employeeId: emp }, (m) => m.type === 'subscribed');
      // As an instance whose breaker was open would have left it: straight into the MySQL twin.
      const left = await s.deps.lockStore.mysql.acquire({ date, time: '10:00', employeeId: emp, serviceId: svc, cells: ['10:00'], owner: '10.1.1.1', lockId: 'a'.repeat(64), ttlMs: 2_000, maxPerClient: 3 });
      expect(left.status).toBe('acquired');
      // Seen at the next watermark read (at most 5 s: MySQL had no rows), swept once expired (2 s).
      const expired = await socket.next((m) => m.type === 'slot_unlocked' && m.reason === 'expired' && m.time === '10:00', 9_000);
      expect(expired).toMatchObject({ date, employeeId: emp });
      const [rows] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointease_slot_locks');
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      socket.close();
    }
  });
});
