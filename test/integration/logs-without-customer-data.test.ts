import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { captureLogs, type LogCapture } from '../helpers/logs';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * CONTRACT §11: logs never carry a customer's email, name or phone, SQL text
 * included. A booking that fails inside MySQL (here: a unique key a site
 * added on customers' phone numbers, so the second customer with that number
 * gets ER_DUP_ENTRY) is logged as a 500 whose line says what failed and
 * where, with the statement's shape, and none of the customer's data.
 */
describe.each(['redis', 'mysql'] as const)('a failed booking is logged without the customer (%s store)', (store) => {
  let s: TestSidecar;
  let logs: LogCapture;
  let svc: number;
  let emp: number;
  const date = daysFromNow(3);
  const customers = {
    first: { email: `ann.first.${store}@example.com`, name: 'Ann Firstperson', phone: '+49 170 5550123' },
    second: { email: `zoe.second.${store}@example.com`, name: "Zoë O'Secondperson", phone: '+49 170 5550123' },
  };

  beforeAll(async () => {
    logs = captureLogs();
    s = await startSidecar({ env: store === 'mysql' ? { REDIS_ENABLED: 'false' } : {}, logs, logLevel: 'debug' });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '20:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
    await s.db.pool.query('ALTER TABLE wp_appointease_customers ADD UNIQUE KEY test_phone (phone)');
  });
  afterAll(() => s?.stop());

  async function book(c: { email: string; name: string; phone: string }, time: string): Promise<Response> {
    const { token } = await s.deps.sessions.create(c.email);
    const held = await s.api('/locks', { method: 'POST', json: { date, time, employeeId: emp, serviceId: svc } });
    expect(held.status).toBe(201);
    const { lockToken } = await held.json();
    return s.api('/appointments', { method: 'POST', token, json: { lockToken, date, time, employeeId: emp, serviceId: svc, name: c.name, phone: c.phone, notes: `call ${c.phone}` } });
  }

  it('logs the 500 with its request id, the error code and the statement shape, and no email, name or phone', async () => {
    expect((await book(customers.first, '09:00')).status).toBe(201);
    const failed = await book(customers.second, '10:00');
    expect(failed.status).toBe(500);
    const body = await failed.text();
    expect(JSON.parse(body).error.code).toBe('internal_error');
    const requestId = failed.headers.get('x-request-id');

    const line = logs.lines().find((l) => l.msg === 'unhandled error' && l.requestId === requestId) as { err: Record<string, string> } | undefined;
    expect(line, 'the 500 is logged with its request id').toBeDefined();
    expect(line!.err.code).toBe('ER_DUP_ENTRY');
    expect(line!.err.sqlMessage).toMatch(/^Duplicate entry '\?' for key '[\w.]*test_phone'$/);
    expect(line!.err.sql).toMatch(/^INSERT INTO `wp_appointease_customers` \(name, email, phone/);
    expect(line!.err.sql).toContain("'?'");

    const everything = logs.text() + body;
    for (const c of Object.values(customers)) {
      for (const secret of [c.email, c.email.split('@')[0]!, c.name, ...c.name.split(/[ ']/).filter((w) => w.length > 3), c.phone, c.phone.replace(/\D/g, '').slice(-7)]) {
        expect(everything, `"${secret}" in the logs`).not.toContain(secret);
      }
    }
  });
});
