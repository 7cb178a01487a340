import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoOverlaps } from '../helpers/assert-no-overlaps';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startPrivateMariaDb, type PrivateMariaDb } from '../helpers/private-mariadb';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * A server whose binary log is statement-based refuses InnoDB writes at READ
 * COMMITTED (error 1665), so on it the pool's sessions keep the server's
 * default, REPEATABLE READ, and every transaction runs at that (db/pool.ts):
 * a write alone (a session, a rate count) as well as in a transaction would
 * otherwise fail. The booking's guard must hold there
 * too: under REPEATABLE READ the transaction's first plain read fixes the
 * snapshot of every later one, so a read taken before the employee's row was
 * locked would hide the appointment the previous holder of that lock
 * committed. A private mariadbd with `--log-bin --binlog-format=STATEMENT`.
 */
describe('a statement-based binary log (READ COMMITTED writes refused)', () => {
  let server: PrivateMariaDb;
  let db: TestDatabase;
  let s: TestSidecar;
  let side: mysql.Connection;
  let emp: number;
  let svc: number;
  const date = daysFromNow(5);

  beforeAll(async () => {
    server = await startPrivateMariaDb({ durable: false, args: ['--log-bin=binlog', '--binlog-format=STATEMENT'] });
    db = await createTestDatabase({ root: server.rootUrl, label: 'stmtbinlog' });
    side = await mysql.createConnection(db.url);
    const ids = await seedCatalogue(db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
      // The per-customer cap on: its count is a plain read in the booking transaction.
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxBookingsPerCustomer: 5 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
    s = await startSidecar({ db });
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
    await side?.end();
    await server?.stop();
  });

  const hold = async (time: string) => {
    const res = await s.api('/locks', { method: 'POST', json: { date, time, employeeId: emp, serviceId: svc } });
    expect(res.status).toBe(201);
    return (await res.json()).lockToken as string;
  };
  const book = async (email: string, time: string, lockToken: string) => {
    const { token } = await s.deps.sessions.create(email);
    return s.api('/appointments', { method: 'POST', token, json: { lockToken, date, time, employeeId: emp, serviceId: svc, name: 'Binlog Tester' } });
  };

  it("the pool's sessions keep the server's default level, so no write meets 1665: sessions, holds and a booking all write", async () => {
    expect((await book('first@example.com', '09:00', await hold('09:00'))).status).toBe(201);
    // Every connection the sidecar opened (db/pool.ts readCommittedSessions) stayed at the default.
    const levels = await Promise.all(Array.from({ length: 4 }, () => s.deps.pool.query<any[]>('SELECT @@tx_isolation AS level, SLEEP(0.05)')));
    expect(new Set(levels.map(([[row]]) => row.level))).toEqual(new Set(['REPEATABLE-READ']));
  });

  it('a booking that waited for the employee row sees the appointment committed meanwhile: 409, one appointment', async () => {
    const lockToken = await hold('10:00');
    // Another writer holds the employee's row, as a booking of that employee in progress does …
    await side.query('START TRANSACTION');
    await side.query('SELECT id FROM wp_appointease_staff WHERE id = ? FOR UPDATE', [emp]);
    const pending = book('second@example.com', '10:00', lockToken);
    const waiting = async () =>
      Number(
        (
          await db.pool.query<any[]>(
            "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE 'SELECT % FROM `wp_appointease_staff` WHERE id = % FOR UPDATE'",
          )
        )[0][0].n,
      );
    const deadline = Date.now() + 10_000;
    while ((await waiting()) === 0) {
      if (Date.now() > deadline) throw new Error('the booking never waited for the staff row');
      await new Promise((r) => setTimeout(r, 20));
    }
    // … and books 10:00 while the request waits for that row.
    await side.query(
      "INSERT INTO wp_appointments (name, email, appointment_date, end_date, status, service_id, employee_id, strong_id) VALUES ('Other', 'other@example.com', ?, ?, 'confirmed', ?, ?, 'APT-2000-000001')",
      [`${date} 10:00:00`, `${date} 10:30:00`, svc, emp],
    );
    await side.query('COMMIT');
    const res = await pending;
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('slot_taken');
    const [rows] = await db.pool.query<any[]>('SELECT id FROM wp_appointments WHERE employee_id = ? AND appointment_date = ?', [emp, `${date} 10:00:00`]);
    expect(rows).toHaveLength(1);
    await assertNoOverlaps(db.pool);
  });
});
