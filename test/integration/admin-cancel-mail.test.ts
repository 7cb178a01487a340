import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { insertAppointment } from '../helpers/customers';
import { partOf, startSmtp, type TestSmtp } from '../helpers/mail';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/** A cancellation made in wp-admin reaches the customer like one they made themselves. */
describe('admin cancellation mail', () => {
  let smtp: TestSmtp;
  let s: TestSidecar;
  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startSidecar({ env: { MAIL_TRANSPORT: smtp.url } });
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.stop();
  });

  it('mails the customer when an admin cancels, and not for other status changes', async () => {
    const ids = await seedCatalogue(s.db.pool, { services: [{ name: 'Cut', duration: 30 }], staff: [{ hours: everyDay(['09:00', '17:00']) }], settings: { timezone: 'UTC' } });
    const a = await insertAppointment(s, { email: 'kim@example.com', name: 'Kim', date: daysFromNow(6), time: '10:00', serviceId: ids.serviceIds[0]!, employeeId: ids.staffIds[0]! });
    const put = (status: string) => s.api(`/admin/appointments/${a.reference}`, { method: 'PUT', token: s.adminToken(), json: { status } });
    expect((await put('completed')).status).toBe(200);
    await s.deps.mailer.idle();
    expect(smtp.mails).toHaveLength(0);
    expect((await put('cancelled')).status).toBe(200);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toEqual(['kim@example.com']);
    expect(partOf(mail!, 'text/plain')!.body).toContain(a.reference);
  });
});
