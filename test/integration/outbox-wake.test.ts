// What a booking change tells its instance's outbox worker, through the API on
// a sidecar whose safety poll is a minute: a change that wrote a webhook
// delivery makes the worker look at once (the POST arrives in about a second);
// one that only planned reminders sets the worker's wake-up to the first send
// time and costs no look now; one that wrote nothing (a cancellation without
// webhooks) costs nothing. Looks are counted on the sidecar's own pool.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails, signIn } from '../helpers/customers';
import { startSmtp, type TestSmtp } from '../helpers/mail';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { sleep, until } from '../helpers/wait';


describe('booking changes wake the outbox worker only for what they wrote (safety poll 60 s)', () => {
  const DATE = daysFromNow(3);
  let db: TestDatabase;
  let smtp: TestSmtp;
  let s: TestSidecar;
  let hooks: Server;
  let hookUrl: string;
  const posts: number[] = [];
  let emp: number;
  let svc: number;
  let token: string;
  const sent: string[] = [];
  /** The claim's candidate read: one per look at the table. */
  const looks = () => sent.filter((sql) => /FROM `wp_appointease_outbox` o\b/.test(sql)).length;
  const wakes: (Date | undefined)[] = [];

  beforeAll(async () => {
    [db, smtp] = await Promise.all([createTestDatabase(), startSmtp()]);
    hooks = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posts.push(Date.now());
        res.end('thanks');
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
    const ids = await seedCatalogue(db.pool, {
      services: [{ name: 'Haircut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '18:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxBookingsPerCustomer: 0 },
    });
    [emp] = ids.staffIds as [number];
    [svc] = ids.serviceIds as [number];
    s = await startSidecar({ db, env: { MAIL_TRANSPORT: smtp.url, OUTBOUND_ALLOW_PRIVATE: 'true', OUTBOX_POLL_MS: '60000', MAX_LOCKS_PER_CLIENT: '50' } });
    const pool = s.deps.pool as any;
    const query = pool.query.bind(pool);
    pool.query = (...args: unknown[]) => (sent.push(String(args[0])), query(...args));
    const worker = s.deps.outboxWorker;
    const wake = worker.wake.bind(worker);
    worker.wake = (dueAt?: Date) => (wakes.push(dueAt), wake(dueAt));
    const settings = await s.api('/admin/settings', {
      method: 'PUT',
      token: s.adminToken(),
      json: { reminders: [{ minutesBefore: 60 }, { minutesBefore: 1440 }] },
    });
    expect(settings.status).toBe(200);
    token = await signIn(s, 'carla@example.com', async (email) => {
      await until(`a code mail to ${email}`, () => smtp.mails.some((m) => m.to.includes(email)));
      return codeFromMails(smtp.mails, email);
    });
  }, 60_000);

  afterAll(async () => {
    await s?.stop();
    await new Promise((resolve) => hooks?.close(resolve));
    await smtp?.stop();
    await db?.drop();
  });

  const book = async (time: string) => {
    const held = await s.api('/locks', { method: 'POST', json: { date: DATE, time, employeeId: emp, serviceId: svc } });
    expect(held.status).toBe(201);
    const { lockToken } = await held.json();
    const res = await s.api('/appointments', {
      method: 'POST',
      token,
      json: { lockToken, date: DATE, time, employeeId: emp, serviceId: svc, name: 'Carla Customer' },
    });
    expect(res.status).toBe(201);
    return (await res.json()).appointment as { reference: string; start: string };
  };

  it('reminders only: no look now, the wake-up set to the first send time; a cancellation that wrote nothing wakes nothing', async () => {
    await sleep(300); // the start-up look (before the count began) is over
    const before = looks();
    const booked = await book('09:00');
    expect(wakes).toEqual([new Date(Date.parse(booked.start) - 1440 * 60_000)]);
    const cancelled = await s.api(`/appointments/${booked.reference}`, { method: 'DELETE', token });
    expect(cancelled.status).toBe(200);
    expect(wakes).toHaveLength(1);
    await sleep(1_000);
    expect(looks()).toBe(before);
  });

  it('a webhook delivery: the worker looks at once, so the POST arrives long before the safety poll', async () => {
    const created = await s.api('/admin/webhooks', { method: 'POST', token: s.adminToken(), json: { url: hookUrl, events: ['appointment.booked'] } });
    expect(created.status).toBe(201);
    wakes.length = 0;
    const before = looks();
    const booked = Date.now();
    await book('10:00');
    expect(wakes).toEqual([undefined]);
    await until('the webhook POST', () => posts.length === 1, 10_000);
    expect(posts[0]! - booked).toBeLessThan(3_000);
    expect(looks()).toBeGreaterThan(before);
  });
});
