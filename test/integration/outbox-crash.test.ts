// A reminder survives the instance that claimed it dying mid-send (CONTRACT §12,
// docs/outbox.md → Claim and lease): two built sidecars as child processes share
// one database; whichever claims the reminder is SIGKILLed while the mail server
// holds its message unanswered (so that mail was never accepted), and the other
// instance sends it once the lease has run out. Redis is killed meanwhile too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails, signIn } from '../helpers/customers';
import { partOf, startSmtp, type CapturedMail, type TestSmtp } from '../helpers/mail';
import { createTestDatabase, startPrivateRedis, uniquePrefix, type PrivateRedis, type TestDatabase } from '../helpers/services';
import { TEST_SECRET, type TestSidecar } from '../helpers/sidecar';
import { startSidecarProcess, type SidecarProcess } from '../helpers/sidecar-process';
import { until } from '../helpers/wait';


const isReminder = (raw: string) => /^Subject: Reminder:/m.test(raw);
const LEASE_SECONDS = 20;

describe('a reminder claimed by an instance that is SIGKILLed mid-send is sent once, by another instance, after the lease', () => {
  const DATE = daysFromNow(2);
  let db: TestDatabase;
  let redis: PrivateRedis;
  let smtp: TestSmtp;
  let held = 0;
  const children: SidecarProcess[] = [];

  beforeAll(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), startPrivateRedis()]);
    // The first reminder is never answered: its sender hangs inside the SMTP dialogue until it is killed.
    smtp = await startSmtp({ hold: (raw) => (isReminder(raw) && ++held === 1 ? new Promise<void>(() => {}) : Promise.resolve()) });
    await seedCatalogue(db.pool, {
      services: [{ name: 'Haircut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '18:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0, reminders: [{ minutesBefore: 60 }] },
    });
    const prefix = uniquePrefix();
    for (const name of ['c1', 'c2']) {
      children.push(
        await startSidecarProcess({
          DATABASE_URL: db.url,
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: prefix,
          APPOINTEASE_SECRET: TEST_SECRET,
          MAIL_TRANSPORT: smtp.url,
          INSTANCE_NAME: name,
          OUTBOX_POLL_MS: '200',
          OUTBOX_LEASE_SECONDS: String(LEASE_SECONDS),
          LOG_LEVEL: 'error',
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop('SIGTERM', 10_000)));
    await smtp?.stop();
    await redis?.stop();
    await db?.drop();
  });

  it('the lease brings it back; the mail server accepts exactly one reminder', async () => {
    const [c1] = children as [SidecarProcess, SidecarProcess];
    const asSidecar = c1 as unknown as TestSidecar;
    const email = 'rita@example.com';
    const token = await signIn(asSidecar, email, async (to) => {
      await until(`a code mail to ${to}`, () => smtp.mails.some((m) => m.to.includes(to)), 20_000);
      return codeFromMails(smtp.mails, to);
    });
    const [emp] = (await db.pool.query<any[]>('SELECT id FROM wp_appointease_staff'))[0].map((r) => r.id);
    const [svc] = (await db.pool.query<any[]>('SELECT id FROM wp_appointease_services'))[0].map((r) => r.id);
    const lock = await (await c1.api('/locks', { method: 'POST', json: { date: DATE, time: '10:00', employeeId: emp, serviceId: svc } })).json();
    const booked = await c1.api('/appointments', { method: 'POST', token, json: { lockToken: lock.lockToken, date: DATE, time: '10:00', employeeId: emp, serviceId: svc, name: 'Rita' } });
    expect(booked.status).toBe(201);
    const { appointment } = await booked.json();

    const reminderRow = async () => (await db.pool.query<any[]>(`SELECT * FROM wp_appointease_outbox WHERE kind = 'reminder' AND appointment_id = ?`, [appointment.id]))[0];
    expect(await reminderRow()).toHaveLength(1);

    await redis.stop();
    await db.pool.query(`UPDATE wp_appointease_outbox SET due_at = UTC_TIMESTAMP(3) + INTERVAL 1 SECOND, available_at = UTC_TIMESTAMP(3) + INTERVAL 1 SECOND WHERE kind = 'reminder'`);
    await until('the first reminder held by the mail server', () => held === 1, 30_000);
    const [claimed] = await reminderRow();
    expect(claimed).toMatchObject({ status: 'pending', attempts: 1 });
    const sender = children.find((c) => String(claimed.lease_owner).startsWith(`c${children.indexOf(c) + 1}:${c.child.pid}:`));
    expect(sender, `lease owner ${claimed.lease_owner}`).toBeDefined();
    sender!.child.kill('SIGKILL');
    expect(await sender!.exited).toBe('SIGKILL');

    // The survivor takes it over once the lease has run out (not before), and sends it.
    await until('the reminder done', async () => (await reminderRow())[0].status === 'done', LEASE_SECONDS * 1000 + 40_000);
    const [done] = await reminderRow();
    expect(done.attempts).toBe(2);
    expect(done.finished_at > claimed.available_at).toBe(true);
    await redis.start();

    const reminders = smtp.mails.filter((m: CapturedMail) => isReminder(m.raw));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.to).toEqual([email]);
    expect(partOf(reminders[0]!, 'text/plain')!.body).toContain(appointment.reference);
    expect(held).toBe(2);
  }, 150_000);
});
