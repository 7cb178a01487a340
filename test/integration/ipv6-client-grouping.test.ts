import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { TestSocket, until, upgradeStatus, wsUrl } from '../helpers/ws-client';

/**
 * Every per-client limit counts an IPv6 client by its /64 (a subscriber gets
 * a whole /64, so per-address limits would be 2^64 limits), and an IPv4
 * address written as IPv6 as that IPv4 address: holds (MAX_LOCKS_PER_CLIENT),
 * code requests (OTP_IP_LIMIT), WebSocket connections (WS_MAX_CONNECTIONS_PER_IP).
 * The code-guessing budget's grouping is in identity-budgets.test.ts.
 */
describe.each(['redis', 'mysql'] as const)('per-client limits group IPv6 by /64 (%s store)', (store) => {
  let s: TestSidecar;
  let svc: number;
  let emp: number;
  beforeAll(async () => {
    s = await startSidecar({
      env: { TRUST_PROXY: 'true', MAX_LOCKS_PER_CLIENT: '3', OTP_IP_LIMIT: '4', WS_MAX_CONNECTIONS_PER_IP: '2', ...(store === 'mysql' ? { REDIS_ENABLED: 'false' } : {}) },
    });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '20:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
  });
  afterAll(() => s?.stop());

  const hold = (time: string, from: string) =>
    s.api('/locks', { method: 'POST', json: { date: daysFromNow(2), time, employeeId: emp, serviceId: svc }, headers: { 'X-Forwarded-For': from } });

  it('holds: three addresses of one /64 share MAX_LOCKS_PER_CLIENT; the next /64 is another client', async () => {
    expect((await hold('09:00', '2001:db8:aa:1::1')).status).toBe(201);
    expect((await hold('09:30', '2001:db8:aa:1:8000::2')).status).toBe(201);
    expect((await hold('10:00', '2001:db8:aa:1:ffff:ffff:ffff:fffe')).status).toBe(201);
    const fourth = await hold('10:30', '2001:db8:aa:1::4');
    expect(fourth.status).toBe(429);
    expect((await fourth.json()).error.code).toBe('too_many_locks');
    expect((await hold('10:30', '2001:db8:aa:2::1')).status).toBe(201);
  });

  it('holds: an IPv4 client counts the same whether written as IPv4 or IPv4-mapped IPv6', async () => {
    expect((await hold('12:00', '192.0.2.44')).status).toBe(201);
    expect((await hold('12:30', '::ffff:192.0.2.44')).status).toBe(201);
    expect((await hold('13:00', '::ffff:c000:22c')).status).toBe(201);
    expect((await hold('13:30', '192.0.2.44')).status).toBe(429);
    expect((await hold('13:30', '192.0.2.45')).status).toBe(201);
  });

  it('code requests: OTP_IP_LIMIT counts the /64', async () => {
    const send = (n: number, from: string) => s.api('/otp', { method: 'POST', json: { email: `v6-${n}-${store}@example.com` }, headers: { 'X-Forwarded-For': from } });
    for (let i = 1; i <= 4; i++) expect((await send(i, `2001:db8:bb:1::${i}`)).status).toBe(202);
    const refused = await send(5, '2001:db8:bb:1:1:2:3:4');
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send(6, '2001:db8:bb:2::1')).status).toBe(202);
  });

  it('WebSocket connections: WS_MAX_CONNECTIONS_PER_IP counts the /64', async () => {
    const url = wsUrl(s.url);
    const from = (ip: string) => ({ headers: { 'X-Forwarded-For': ip } });
    const open = [await TestSocket.open(url, from('2001:db8:cc:1::1')), await TestSocket.open(url, from('2001:db8:cc:1::2'))];
    expect(await upgradeStatus(url, from('2001:db8:cc:1::3'))).toBe(429);
    expect(await upgradeStatus(url, from('2001:db8:cc:2::1'))).toBe(101);
    open[0]!.close();
    await open[0]!.closed;
    await until(() => s.deps.clientCount() <= 1);
    expect(await upgradeStatus(url, from('2001:db8:cc:1::3'))).toBe(101);
    for (const t of open) t.close();
  });
});
