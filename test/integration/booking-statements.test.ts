import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startPrivateMariaDb, type PrivateMariaDb } from '../helpers/private-mariadb';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * What one booking (POST /appointments) costs the database, counted from the
 * general log of a private mariadbd (every statement it sees is ours): the
 * booking's transaction statement by statement, and nothing read back after
 * it. Issue 16 wants the database load with Redis as small as it can be, and
 * the booking transaction is most of what is left; a statement slipping back
 * in (a per-transaction SET, a read of something kept in memory, the new row
 * read back) fails here.
 *
 * Statements are compared as verb and table (and FOR UPDATE), never by their
 * columns, so a new column changes nothing here.
 */
describe('booking: the statements of one POST /appointments (private mariadbd, general log)', () => {
  let server: PrivateMariaDb;
  let db: TestDatabase;
  let s: TestSidecar;
  let emp: number;
  let svc: number;
  let log: mysql.Connection;
  const date = daysFromNow(5);

  beforeAll(async () => {
    server = await startPrivateMariaDb({ durable: false, args: ['--general-log=1', '--log-output=TABLE'] });
    log = await mysql.createConnection(server.rootUrl);
    db = await createTestDatabase({ root: server.rootUrl, label: 'statements' });
    const ids = await seedCatalogue(db.pool, {
      services: [{ name: 'Cut', duration: 30, price: 25 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
      // The usual case: a cap on upcoming bookings and a reminder.
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxBookingsPerCustomer: 5, reminders: [{ minutesBefore: 60 }] },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
    // Deliveries go nowhere (a refused port): only what the booking writes matters here.
    s = await startSidecar({ db, env: { OUTBOUND_ALLOW_PRIVATE: 'true' } });
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
    await log?.end();
    await server?.stop();
  });

  let minute = 9 * 60;
  let customer = 0;
  const book = async () => {
    const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    minute += 30;
    const held = await s.api('/locks', { method: 'POST', json: { date, time, employeeId: emp, serviceId: svc } });
    expect(held.status).toBe(201);
    const { lockToken } = await held.json();
    const { token } = await s.deps.sessions.create(`customer${++customer}@example.com`);
    const res = await s.api('/appointments', {
      method: 'POST',
      token,
      json: { lockToken, date, time, employeeId: emp, serviceId: svc, name: 'Carla Customer', phone: '+49 30 1234' },
    });
    expect(res.status).toBe(201);
    return (await res.json()).appointment as { id: number };
  };

  /** Every statement the server logged meanwhile, in order, as (thread, text). */
  const logged = async (during: () => Promise<unknown>) => {
    await log.query('TRUNCATE TABLE mysql.general_log');
    await during();
    const [rows] = await log.query<any[]>("SELECT thread_id, argument FROM mysql.general_log WHERE command_type = 'Query'");
    return rows.map((r) => ({ thread: Number(r.thread_id), sql: String(r.argument).replace(/\s+/g, ' ').trim() }));
  };
  /** Verb and table, FOR UPDATE kept: what a statement is, whatever its columns. */
  const label = (sql: string) => {
    if (/^(START TRANSACTION|COMMIT|ROLLBACK)$/i.test(sql) || /^SET\b/i.test(sql)) return sql.replace(/\s*=.*$/, '').toUpperCase();
    const verb = /^(\w+(?: IGNORE)?)/i.exec(sql)![1]!.toUpperCase();
    const table = /\b(?:FROM|INTO|UPDATE)\s+`?([\w$]+)`?/i.exec(sql)?.[1] ?? '';
    return [verb, table, /FOR UPDATE$/i.test(sql) ? 'FOR UPDATE' : ''].filter(Boolean).join(' ');
  };
  /** The booking's transaction (the one that inserts the appointment), with a SET TRANSACTION just before it if any. */
  const transactionOf = (statements: { thread: number; sql: string }[]) => {
    const insert = statements.find((x) => /^INSERT INTO `wp_appointments`/.test(x.sql));
    expect(insert, 'the booking transaction').toBeDefined();
    const own = statements.filter((x) => x.thread === insert!.thread);
    const at = own.indexOf(insert!);
    const begin = own.findLastIndex((x, i) => i < at && x.sql === 'START TRANSACTION');
    const commit = own.findIndex((x, i) => i > at && x.sql === 'COMMIT');
    const first = begin > 0 && /^SET TRANSACTION\b/i.test(own[begin - 1]!.sql) ? begin - 1 : begin;
    return own.slice(first, commit + 1).map((x) => label(x.sql));
  };
  /** What must not come back: the appointment read by id, the webhook list read (delivery reads one webhook by id). */
  const rereads = (statements: { sql: string }[]) =>
    statements
      .filter((x) => /^SELECT \* FROM `wp_appointments` WHERE id = /.test(x.sql) || /FROM `wp_appointease_webhooks` WHERE active/.test(x.sql))
      .map((x) => x.sql);

  const GUARD = [
    'START TRANSACTION',
    'INSERT wp_appointease_customer_locks',
    'SELECT wp_appointease_staff FOR UPDATE',
    // The cap's count, then the employee's appointments around the day.
    'SELECT wp_appointments',
    'SELECT wp_appointments',
    'SELECT wp_appointease_customers',
    'INSERT wp_appointease_customers',
    'INSERT wp_appointments',
    'INSERT wp_appointease_audit_log',
  ];

  it('eleven statements, none before or after it: no SET TRANSACTION (the session reads committed), no webhook list, no row read back', async () => {
    // The first booking opens connections and loads what is kept in memory (catalogue, webhooks).
    await book();
    const statements = await logged(book);
    expect(transactionOf(statements)).toEqual([...GUARD, 'INSERT IGNORE wp_appointease_outbox', 'COMMIT']);
    expect(rereads(statements)).toEqual([]);
    const [[{ level }]] = await s.deps.pool.query<any[]>('SELECT @@tx_isolation AS level');
    expect(level).toBe('READ-COMMITTED');
  });

  it('with a subscribed webhook: its delivery and outbox rows, still no webhook read', async () => {
    const hook = await s.api('/admin/webhooks', {
      method: 'POST',
      token: s.adminToken(),
      json: { url: 'http://127.0.0.1:9/hook', events: ['appointment.booked'] },
    });
    expect(hook.status).toBe(201);
    await book(); // the list reloaded once, after the change
    const statements = await logged(book);
    expect(transactionOf(statements)).toEqual([
      ...GUARD,
      'INSERT wp_appointease_webhook_deliveries',
      'INSERT IGNORE wp_appointease_outbox',
      'INSERT IGNORE wp_appointease_outbox',
      'COMMIT',
    ]);
    expect(rereads(statements)).toEqual([]);
  });
});
