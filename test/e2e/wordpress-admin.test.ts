// The bridge's catalogue and appointment pages in wp-admin against the real sidecar: an
// administrator in Chromium adds a service, a staff member with weekly hours, time off and a
// blackout date, cancels appointments (one booked with a reference, one an older AppointEase
// row without), and saves a booking rule. Every change is checked through the sidecar's admin
// API, not through what the page shows. Screenshots go to test/artifacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAdminToken } from '../../server/src/services/admin-token.js';
import { WordPress, freePort } from '../bridge/wordpress.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, SECRET, login, prerequisite, startSidecarForSite, tearDownSite, type SidecarProcess } from './wordpress-harness.js';
import { shiftedFixture, startIcsServer, type IcsServer } from '../helpers/ics-server.js';

/** YYYY-MM-DD, n days from today (UTC, the site's zone here). */
function day(n: number): string {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

describe.skipIf(prerequisite)('wp-admin catalogue and appointment pages against the real sidecar', () => {
  let wp: WordPress;
  let sidecar: SidecarProcess;
  let browser: Browser;
  let admin: Page;
  let prefix = '';
  let serviceId = 0;
  let staffId = 0;
  let ics: IcsServer;

  /** What the sidecar's admin API says, with a token of our own (not the page's). */
  async function adminApi<T>(path: string): Promise<T> {
    const response = await fetch(`${sidecar.url}/appointease/v1/admin${path}`, { headers: { authorization: `Bearer ${signAdminToken(SECRET, 1)}` } });
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
    return (await response.json()) as T;
  }
  const adminPage = async (slug: string) => {
    await admin.goto(`${wp.url}/wp-admin/admin.php?page=${slug}`);
    await admin.locator('#appointease-admin .appointease-loading').waitFor({ state: 'detached' });
  };
  const noAlert = async () => expect(await admin.locator('#appointease-admin .notice-error').allTextContents()).toEqual([]);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const sidecarPort = await freePort();
    const sidecarUrl = `http://127.0.0.1:${sidecarPort}`;
    wp = await WordPress.create({ label: 'e2eadmin', constants: { APPOINTEASE_SIDECAR_URL: sidecarUrl, APPOINTEASE_SECRET: SECRET } });
    await wp.serve();
    prefix = `e2eadmin${Date.now().toString(36)}:`;
    // Busy calendars come from a local server here (CONTRACT §13): private addresses allowed.
    sidecar = await startSidecarForSite(wp, sidecarPort, prefix, { OUTBOUND_ALLOW_PRIVATE: 'true' });
    ics = await startIcsServer();
    ics.bodies.set('/google.ics', shiftedFixture('google-export.ics', 7 * 70));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext();
    admin = await login(context, wp, 'admin', 'admin-pass');
    admin.on('dialog', (dialog) => void dialog.accept());
  }, 120_000);

  afterAll(async () => {
    await tearDownSite({ browser, sidecar, wp, prefix });
    await ics?.close();
  }, 60_000);

  it('Services: adds a service that the sidecar stores and the page lists', async () => {
    await adminPage('appointease-bridge-services');
    await admin.getByRole('button', { name: 'Add service' }).click();
    await admin.getByLabel('Name').fill('Deep tissue massage');
    await admin.getByLabel('Description').fill('Sixty minutes, firm pressure');
    await admin.getByLabel('Duration (minutes)').fill('60');
    await admin.getByLabel('Price').fill('80.50');
    await admin.getByLabel('Buffer after (minutes)').fill('15');
    await admin.getByRole('button', { name: 'Save service' }).click();
    const row = admin.locator('tbody tr', { hasText: 'Deep tissue massage' });
    await row.waitFor();
    await noAlert();
    await expect.poll(() => row.textContent()).toContain('60 min');

    const { services } = await adminApi<{ services: Array<Record<string, unknown>> }>('/services');
    const stored = services.find((s) => s.name === 'Deep tissue massage');
    expect(stored).toMatchObject({ description: 'Sixty minutes, firm pressure', duration: 60, price: 80.5, bufferBefore: 0, bufferAfter: 15, active: true });
    serviceId = Number(stored!.id);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-admin-services.png'), fullPage: true });
  }, 60_000);

  it('Staff: adds a staff member with split weekly hours and one service', async () => {
    await adminPage('appointease-bridge-staff');
    await admin.getByRole('button', { name: 'Add staff member' }).click();
    await admin.getByLabel('Name').fill('Robin Rivera');
    await admin.getByLabel('Email').fill('robin@example.com');
    await admin.getByLabel('Phone').fill('+44 20 7946 0000');
    await admin.getByLabel('Deep tissue massage').check();
    await admin.getByLabel('Monday').fill('13:00-17:00, 09:00-12:00');
    await admin.getByLabel('Tuesday').fill('');
    await admin.getByLabel('Wednesday').fill('10:00-18:00');
    await admin.getByLabel('Saturday').fill('10:00-14:00');
    await admin.getByRole('button', { name: 'Save staff member' }).click();
    const row = admin.locator('tbody tr', { hasText: 'Robin Rivera' });
    await row.waitFor();
    await noAlert();
    await expect.poll(() => row.textContent()).toContain('mon: 09:00-12:00, 13:00-17:00');
    await expect.poll(() => row.textContent()).toContain('Deep tissue massage');

    const { staff } = await adminApi<{ staff: Array<Record<string, unknown>> }>('/staff');
    const stored = staff.find((s) => s.name === 'Robin Rivera');
    expect(stored).toMatchObject({
      email: 'robin@example.com',
      phone: '+44 20 7946 0000',
      active: true,
      serviceIds: [serviceId],
      workingHours: {
        mon: [
          { start: '09:00', end: '12:00' },
          { start: '13:00', end: '17:00' },
        ],
        wed: [{ start: '10:00', end: '18:00' }],
        thu: [{ start: '09:00', end: '17:00' }],
        fri: [{ start: '09:00', end: '17:00' }],
        sat: [{ start: '10:00', end: '14:00' }],
      },
    });
    expect(Object.keys(stored!.workingHours as object).sort()).toEqual(['fri', 'mon', 'sat', 'thu', 'wed']);
    staffId = Number(stored!.id);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-admin-staff.png'), fullPage: true });
  }, 60_000);

  it('Staff: an edit the sidecar refuses shows its reason and changes nothing; a fixed one clears the phone', async () => {
    await adminPage('appointease-bridge-staff');
    const row = admin.locator('tbody tr', { hasText: 'Robin Rivera' });
    await row.getByRole('button', { name: 'Edit' }).click();
    await admin.getByLabel('Phone').fill('');
    // 60 minutes plus a 15-minute buffer cannot fit into one-hour windows.
    for (const day of ['Monday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']) await admin.getByLabel(day).fill('09:00-10:00');
    await admin.getByRole('button', { name: 'Save staff member' }).click();
    const alert = admin.locator('#appointease-admin .notice-error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('needs 75 minutes');
    const unchanged = (await adminApi<{ staff: Array<Record<string, any>> }>('/staff')).staff.find((s) => s.id === staffId)!;
    expect(unchanged.phone).toBe('+44 20 7946 0000');
    expect(unchanged.workingHours.wed).toEqual([{ start: '10:00', end: '18:00' }]);

    // The form kept what was typed; widen Wednesday and save again.
    await admin.getByLabel('Wednesday').fill('10:00-18:00');
    await admin.getByRole('button', { name: 'Save staff member' }).click();
    await admin.getByRole('button', { name: 'Save staff member' }).waitFor({ state: 'detached' });
    await noAlert();
    const saved = (await adminApi<{ staff: Array<Record<string, any>> }>('/staff')).staff.find((s) => s.id === staffId)!;
    expect(saved.phone ?? '').toBe('');
    expect(saved.workingHours).toEqual({
      mon: [{ start: '09:00', end: '10:00' }],
      wed: [{ start: '10:00', end: '18:00' }],
      thu: [{ start: '09:00', end: '10:00' }],
      fri: [{ start: '09:00', end: '10:00' }],
      sat: [{ start: '09:00', end: '10:00' }],
    });
    expect(saved.serviceIds).toEqual([serviceId]);
  }, 60_000);

  it('Staff: busy calendars show their last sync and error; the calendar feed address is shown, copied and replaced', async () => {
    await adminPage('appointease-bridge-staff');
    let row = admin.locator('tbody tr', { hasText: 'Robin Rivera' });
    await row.getByRole('button', { name: 'Edit' }).click();
    await admin.getByLabel('Busy calendar 1').fill(`${ics.base}/google.ics`);
    await admin.getByLabel('Busy calendar 2').fill(`${ics.base}/status-500.ics`);
    await admin.getByRole('button', { name: 'Save staff member' }).click();
    await admin.getByRole('button', { name: 'Save staff member' }).waitFor({ state: 'detached' });
    await noAlert();
    // Saving a calendar asks for a sync at once.
    await expect
      .poll(async () => (await adminApi<{ staff: Array<Record<string, any>> }>('/staff')).staff.find((s) => s.id === staffId)!.calendarSync.map((c: any) => [!!c.lastSyncAt, c.lastError?.code ?? null]), { timeout: 20_000 })
      .toEqual([
        [true, null],
        [false, 'http_500'],
      ]);
    await adminPage('appointease-bridge-staff');
    row = admin.locator('tbody tr', { hasText: 'Robin Rivera' });
    await expect.poll(() => row.textContent()).toContain('synced');
    expect(await row.textContent()).toContain('Last attempt failed');

    await row.getByRole('button', { name: 'Edit' }).click();
    await admin.getByRole('button', { name: 'Show feed address' }).click();
    const field = admin.getByLabel('Feed address');
    await field.waitFor();
    const first = await field.inputValue();
    expect(first).toMatch(/\/appointease\/v1\/feeds\/[A-Za-z0-9_-]{43}\.ics$/);
    const feed = await fetch(`${sidecar.url}${new URL(first).pathname}`);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-admin-staff-calendars.png'), fullPage: true });
    await admin.getByRole('button', { name: 'New address' }).click(); // the confirmation is accepted
    await expect.poll(() => field.inputValue()).not.toBe(first);
    expect((await fetch(`${sidecar.url}${new URL(first).pathname}`)).status).toBe(404);
    expect((await fetch(`${sidecar.url}${new URL(await field.inputValue()).pathname}`)).status).toBe(200);
    await admin.getByRole('button', { name: 'Cancel' }).click();
  }, 60_000);

  it('Time off & blackouts: adds time off for the staff member and a blackout date', async () => {
    await adminPage('appointease-bridge-time-off');
    await admin.getByLabel('Staff member').selectOption({ label: 'Robin Rivera' });
    const timeOffForm = admin.locator('form', { has: admin.getByRole('button', { name: 'Add time off' }) });
    await timeOffForm.getByLabel('From').fill(day(40));
    await timeOffForm.getByLabel('To').fill(day(42));
    await timeOffForm.getByLabel('Reason').fill('Conference');
    await timeOffForm.getByRole('button', { name: 'Add time off' }).click();
    await admin.locator('tbody tr', { hasText: 'Conference' }).waitFor();

    const blackoutForm = admin.locator('form', { has: admin.getByRole('button', { name: 'Add blackout' }) });
    await blackoutForm.getByLabel('From').fill(day(50));
    await blackoutForm.getByLabel('To').fill(day(50));
    await blackoutForm.getByLabel('Reason').fill('Public holiday');
    await blackoutForm.getByRole('button', { name: 'Add blackout' }).click();
    await admin.locator('tbody tr', { hasText: 'Public holiday' }).waitFor();
    await noAlert();
    // The sidecar lists both: the page must not be showing only its own memory of them.
    expect(await admin.getByText('does not list existing').count()).toBe(0);

    const { timeOff } = await adminApi<{ timeOff: unknown[] }>(`/staff/${staffId}/time-off`);
    expect(timeOff).toEqual([expect.objectContaining({ staffId, startDate: day(40), endDate: day(42), reason: 'Conference' })]);
    const { blackoutDates } = await adminApi<{ blackoutDates: unknown[] }>('/blackout-dates');
    expect(blackoutDates).toEqual([expect.objectContaining({ startDate: day(50), endDate: day(50), reason: 'Public holiday' })]);
    // A reload shows what the sidecar has, not what the page remembered.
    await adminPage('appointease-bridge-time-off');
    await admin.locator('tbody tr', { hasText: 'Public holiday' }).waitFor();
    await admin.getByLabel('Staff member').selectOption({ label: 'Robin Rivera' });
    await admin.locator('tbody tr', { hasText: 'Conference' }).waitFor();
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-admin-time-off.png'), fullPage: true });
  }, 60_000);

  it('Appointments: lists and cancels a booked appointment and an older AppointEase row without a reference', async () => {
    // One booked by the sidecar (with a reference) and one from the original plugin (without).
    const legacyId = wp.phpJson<number>(`
      global $wpdb;
      $t = $wpdb->prefix . 'appointments';
      $wpdb->insert( $t, array( 'name' => 'Grace Hopper', 'email' => 'grace@example.com', 'appointment_date' => '${day(3)} 09:00:00', 'status' => 'confirmed', 'service_id' => ${serviceId}, 'employee_id' => ${staffId}, 'strong_id' => 'APT-2030-000777' ) );
      $wpdb->insert( $t, array( 'name' => 'Alan Turing', 'email' => 'alan@example.com', 'appointment_date' => '${day(4)} 13:00:00', 'status' => 'confirmed', 'service_id' => ${serviceId}, 'employee_id' => ${staffId} ) );
      echo (int) $wpdb->insert_id;
    `);
    await adminPage('appointease-bridge-appointments');
    await admin.getByLabel('Staff').selectOption({ label: 'Robin Rivera' });
    const booked = admin.locator('tbody tr', { hasText: 'Grace Hopper' });
    const legacy = admin.locator('tbody tr', { hasText: 'Alan Turing' });
    await booked.waitFor();
    await legacy.waitFor();
    await expect.poll(() => booked.textContent()).toContain('APT-2030-000777');
    await expect.poll(() => booked.textContent()).toContain('09:00–10:00');
    await expect.poll(() => booked.textContent()).toContain('Deep tissue massage');
    await expect.poll(() => booked.textContent()).toContain('Robin Rivera');

    await booked.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => booked.textContent()).toContain('Cancelled');
    await legacy.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => legacy.textContent()).toContain('Cancelled');
    await noAlert();

    const { appointments } = await adminApi<{ appointments: Array<Record<string, unknown>> }>(`/appointments?from=${day(0)}&to=${day(10)}&employeeId=${staffId}`);
    expect(appointments.map((a) => [a.name, a.status])).toEqual([
      ['Grace Hopper', 'cancelled'],
      ['Alan Turing', 'cancelled'],
    ]);
    expect(appointments[1]).toMatchObject({ id: legacyId, reference: null });
    // The customer is told, through the bridge's relay into wp_mail.
    // Named after the site (its title in WordPress), with the day written out.
    await expect.poll(() => wp.mails().filter((m) => m.to.includes('grace@example.com')).map((m) => m.subject), { timeout: 15_000 }).toContainEqual(
      expect.stringMatching(/^Your appointment at AppointEase Test on \w{3}, \w{3} \d{1,2} has been cancelled$/),
    );
    await expect.poll(() => wp.mails().filter((m) => m.to.includes('grace@example.com')).map((m) => m.mime).join('\n'), { timeout: 15_000 }).toContain('APT-2030-000777');
    await expect.poll(() => wp.mails().filter((m) => m.to.includes('alan@example.com')).map((m) => m.subject), { timeout: 15_000 }).toEqual([expect.stringMatching(/^Your appointment at AppointEase Test on .+ has been cancelled$/)]);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-admin-appointments.png'), fullPage: true });
  }, 60_000);

  it('Settings: saving one booking rule overrides only that rule', async () => {
    const before = await adminApi<{ overridden: string[]; timezone: string }>('/settings');
    expect(before.overridden).toEqual([]);
    await adminPage('appointease-bridge-settings');
    expect(await admin.getByLabel('Upcoming bookings per customer').inputValue()).toBe('5');
    await admin.getByLabel('Minimum notice (minutes)').fill('120');
    await admin.getByRole('button', { name: 'Save booking rules' }).click();
    await admin.getByText('Booking rules saved.').waitFor();
    const after = await adminApi<{ overridden: string[]; minNoticeMinutes: number; timezone: string }>('/settings');
    expect(after.minNoticeMinutes).toBe(120);
    // The time zone still follows WordPress's: the page did not pin what it merely displayed.
    expect(after.overridden).toEqual(['minNoticeMinutes']);
    expect(after.timezone).toBe(before.timezone);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-admin-settings.png'), fullPage: true });
  }, 60_000);

  it('left no PHP warnings from the plugin', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});
