import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * Ids are not a resource an attacker can use up (CONTRACT §11): AppointEase's
 * tables count with mediumint AUTO_INCREMENT ids (16.7 million), and every
 * INSERT … ON DUPLICATE KEY UPDATE or rolled-back INSERT takes one for good.
 * Refused holds and rate-limited code requests must write nothing new, so
 * the next id of each table they touch stays where it was. On the MySQL
 * store (REDIS_ENABLED=false), where these writes happen.
 */
describe('refused and repeated writes use up no AUTO_INCREMENT ids (MySQL store)', () => {
  let s: TestSidecar;
  let short: number;
  let long: number;
  let emp: number;
  const date = daysFromNow(2);

  /** The table's next id (MariaDB reads it live; MySQL 8 would need information_schema_stats_expiry = 0). */
  const nextId = async (table: string): Promise<number> => {
    const [[row]] = await s.db.pool.query<any[]>('SELECT AUTO_INCREMENT AS next FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table]);
    return Number(row.next);
  };
  const hold = (time: string, serviceId: number, client: string) =>
    s.api('/locks', { method: 'POST', json: { date, time, employeeId: emp, serviceId }, headers: { 'X-Forwarded-For': client } });

  beforeAll(async () => {
    s = await startSidecar({ env: { REDIS_ENABLED: 'false', TRUST_PROXY: 'true', MAX_LOCKS_PER_CLIENT: '1' } });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Short', duration: 30 }, { name: 'Long', duration: 60 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [short, long] = ids.serviceIds as [number, number];
    [emp] = ids.staffIds as [number];
  });
  afterAll(() => s?.stop());

  it('300 refused holds (taken, overlapping, over the cap) leave the slot-lock ids where they were', async () => {
    expect((await hold('10:00', short, '10.50.0.1')).status).toBe(201);
    const before = await nextId('wp_appointease_slot_locks');
    const refused = [
      // 150 other clients on the held time,
      ...Array.from({ length: 150 }, (_, i) => () => hold('10:00', short, `10.51.${i}.1`)),
      // 50 on a longer service that would cover it,
      ...Array.from({ length: 50 }, (_, i) => () => hold('09:30', long, `10.52.${i}.1`)),
      // and the holder 100 times more, on free times, over its cap of one.
      ...Array.from({ length: 100 }, (_, i) => () => hold(['11:00', '12:00', '13:00', '14:00'][i % 4]!, short, '10.50.0.1')),
    ];
    const statuses: number[] = [];
    // In waves of 30, as a script would fire them.
    for (let i = 0; i < refused.length; i += 30) statuses.push(...(await Promise.all(refused.slice(i, i + 30).map((f) => f()))).map((r) => r.status));
    expect(statuses.filter((st) => st === 409)).toHaveLength(200);
    expect(statuses.filter((st) => st === 429)).toHaveLength(100);
    expect(await nextId('wp_appointease_slot_locks')).toBe(before);
    // The table is as usable as before: a free time is still granted.
    expect((await hold('15:00', short, '10.53.0.1')).status).toBe(201);
  });

  it('60 rate-limited code requests leave the rate-limit and code ids where they were', async () => {
    const otp = () => s.api('/otp', { method: 'POST', json: { email: 'flood@example.com' }, headers: { 'X-Forwarded-For': '10.60.0.1' } });
    expect((await otp()).status).toBe(202);
    const before = { rates: await nextId('wp_appointease_rate_limits'), codes: await nextId('wp_appointease_otps') };
    // The rest of the address's sends (a new code replaces the row, it does not add one),
    const allowed = [await otp(), await otp()];
    expect(allowed.map((r) => r.status)).toEqual([202, 202]);
    // then 60 refused by the address limit and, past ten, the client's limit too.
    const limited = await Promise.all(Array.from({ length: 60 }, () => otp()));
    expect(limited.map((r) => r.status)).toEqual(Array(60).fill(429));
    expect(limited.every((r) => Number(r.headers.get('retry-after')) >= 1)).toBe(true);
    expect({ rates: await nextId('wp_appointease_rate_limits'), codes: await nextId('wp_appointease_otps') }).toEqual(before);
    const [[row]] = await s.db.pool.query<any[]>("SELECT hits FROM wp_appointease_rate_limits WHERE rate_key LIKE '%otp-ip%'");
    expect(Number(row.hits)).toBe(63);
  });
});
