// The admin calendar and a French site, with a real WordPress (Debian's package under `php -S`),
// the bridge plugin, the sidecar as its own process and Debian's Chromium:
//   - with the site language French, the [appointease] shortcode renders the widget in French
//     (its strings fetched from the sidecar, another origin);
//   - an administrator's calendar shows a hold and then the booking made in another browser,
//     each within 2 s, opens it (the customer), cancels it from the calendar, and marks
//     another appointment completed and a third a no-show;
//   - an administrator who reads French gets the calendar in French.
// Screenshots (desktop and 360 px) go to test/artifacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAdminToken } from '../../server/src/services/admin-token.js';
import { weekOf } from '../../wp-bridge/admin-src/src/calendar/layout.js';
import { WordPress, freePort } from '../bridge/wordpress.js';
import { TRANSLATIONS } from '../../widget/i18n-files.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, SECRET, codeFromMail, login, prerequisite, seedSiteCatalogue, startSidecarForSite, tearDownSite, type SidecarProcess } from './wordpress-harness.js';
import { axeViolations } from './widget-helpers.js';

const fr = TRANSLATIONS.fr;

describe.skipIf(prerequisite)('admin calendar and a French site, in a real WordPress', () => {
  let wp: WordPress;
  let sidecar: SidecarProcess;
  let browser: Browser;
  let ids: { service: number; staff: number; other: number; page: number };
  let prefix = '';

  async function adminApi<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(`${sidecar.url}/appointease/v1/admin${path}`, { ...init, headers: { authorization: `Bearer ${signAdminToken(SECRET, 1)}`, 'content-type': 'application/json' } });
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
    return (await response.json()) as T;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const sidecarPort = await freePort();
    wp = await WordPress.create({ label: 'e2ecal', constants: { APPOINTEASE_SIDECAR_URL: `http://127.0.0.1:${sidecarPort}`, APPOINTEASE_SECRET: SECRET } });
    await wp.serve();
    // The site speaks French; the administrator's own profile says English (user locales win in
    // wp-admin); a second administrator reads French. Weeks start on Monday (start_of_week).
    // WordPress only accepts a site language it has installed; an empty French catalogue
    // (written by WordPress's own MO class) stands in for the language pack.
    wp.php(`
      require_once ABSPATH . WPINC . '/pomo/mo.php';
      wp_mkdir_p( WP_LANG_DIR );
      $mo = new MO();
      $mo->set_header( 'Language', 'fr_FR' );
      $mo->set_header( 'Content-Type', 'text/plain; charset=UTF-8' );
      $mo->export_to_file( WP_LANG_DIR . '/fr_FR.mo' );
      update_option( 'WPLANG', 'fr_FR' );
      if ( 'fr_FR' !== get_option( 'WPLANG' ) ) { throw new Exception( 'site language not set' ); }
      update_option( 'start_of_week', 1 );
      update_user_meta( 1, 'locale', 'en_US' );
      wp_insert_user( array( 'user_login' => 'gerard', 'user_pass' => 'gerard-pass', 'user_email' => 'gerard@example.com', 'role' => 'administrator', 'locale' => 'fr_FR' ) );
    `);
    const seeded = seedSiteCatalogue(wp, { staff: ['Dana Example', 'Eli Other'], pageTitle: 'Réserver' });
    ids = { service: seeded.service, staff: seeded.staff[0]!, other: seeded.staff[1]!, page: seeded.page };
    prefix = `e2ecal${Date.now().toString(36)}:`;
    sidecar = await startSidecarForSite(wp, sidecarPort, prefix);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(() => tearDownSite({ browser, sidecar, wp, prefix }), 60_000);

  /** A visitor on the booking page, in French, with the first day that has times chosen. */
  async function visitor(): Promise<{ page: Page; day: string }> {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    await page.goto(`${wp.url}/?page_id=${ids.page}`);
    await page.locator('appointease-booking button.ae-slot:not([aria-disabled])').first().waitFor({ timeout: 20_000 });
    const day = (await page.locator('appointease-booking td[aria-selected="true"] button').getAttribute('data-day'))!;
    return { page, day };
  }

  it('with the site language French, the shortcode renders the widget in French', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    const files: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/appointease/v1/widget/i18n/fr.')) files.push(r.status());
    });
    await page.goto(`${wp.url}/?page_id=${ids.page}`);
    const element = page.locator('appointease-booking');
    expect(await element.getAttribute('locale')).toBe('fr-FR');
    await expect.poll(() => page.locator('appointease-booking h2').textContent(), { timeout: 20_000 }).toBe(fr.stepDate);
    expect(files).toEqual([200]);
    expect(await page.locator('appointease-booking .ae').getAttribute('lang')).toBe('fr-FR');
    await page.locator('appointease-booking button.ae-slot:not([aria-disabled])').first().waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'wordpress-fr-widget.png'), fullPage: true });
    await context.close();
  }, 90_000);

  it('the calendar shows a hold and a booking from another browser within 2 s each, and cancels it', async () => {
    const { page: guest, day } = await visitor();
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = await login(adminContext, wp, 'admin', 'admin-pass');
    admin.on('dialog', (dialog) => void dialog.accept());
    // The sidebar's AppointEase item opens the calendar; Live locks stays at page=appointease.
    await admin.locator('#toplevel_page_appointease > a').click();
    await admin.locator('.appointease-calendar').waitFor();
    expect(admin.url()).toContain('page=appointease-bridge-calendar');
    await admin.goto(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-calendar&view=day&date=${day}`);
    await admin.locator('.appointease-feed[data-state="live"]').waitFor({ timeout: 15_000 });
    await admin.locator('.appointease-cal-col[data-column]').first().waitFor();
    expect(await admin.locator('.appointease-cal-col').evaluateAll((cols) => cols.map((c) => c.getAttribute('aria-label')))).toEqual(['Dana Example', 'Eli Other']);

    // The hold.
    // The day's last free time, not its first: the first can be the one the minimum notice is
    // about to pass (staff work 00:00–23:30), and a hold a few seconds after the page showed it
    // is then rightly refused (seen once on a loaded machine: 409 instead of 201).
    const slot = guest.locator('appointease-booking button.ae-slot:not([aria-disabled])').last();
    const time = (await slot.textContent())!.trim();
    const held = guest.waitForResponse((r) => r.url().endsWith('/appointease/v1/locks') && r.request().method() === 'POST');
    await slot.click();
    expect((await held).status()).toBe(201);
    const heldAt = Date.now();
    const hold = admin.locator(`[data-hold="${day} ${time} ${ids.staff}"]`);
    await hold.waitFor({ timeout: 2_000 });
    expect(Date.now() - heldAt).toBeLessThanOrEqual(2_000);
    expect(await hold.textContent()).toContain('Being booked');
    expect(await admin.locator(`.appointease-cal-col[data-column="${ids.staff}"] [data-hold]`).count()).toBe(1);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-calendar-day-hold.png'), fullPage: true });

    // The booking, in French.
    await guest.getByLabel(fr.name, { exact: true }).fill('Zoë Müller');
    await guest.getByLabel(fr.email, { exact: true }).fill('zoe@example.com');
    await guest.getByLabel(fr.phone, { exact: true }).fill('+33 1 23 45 67 89');
    await guest.getByRole('button', { name: fr.sendCode, exact: true }).click();
    await guest.getByLabel(fr.code, { exact: true }).fill(await codeFromMail(wp, 'zoe@example.com'));
    const booked = guest.waitForResponse((r) => r.url().endsWith('/appointease/v1/appointments') && r.request().method() === 'POST');
    await guest.getByRole('button', { name: fr.confirm, exact: true }).click();
    const response = await booked;
    expect(response.status()).toBe(201);
    const bookedAt = Date.now();
    const reference = ((await response.json()) as { appointment: { reference: string } }).appointment.reference;
    const block = admin.locator(`.appointease-cal-block[data-reference="${reference}"]`);
    await block.waitFor({ timeout: 2_000 });
    expect(Date.now() - bookedAt).toBeLessThanOrEqual(2_000);
    await hold.waitFor({ state: 'detached', timeout: 2_000 });
    expect(await block.textContent()).toContain('Zoë Müller');
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-calendar-day.png'), fullPage: true });
    await admin.setViewportSize({ width: 360, height: 900 });
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-calendar-day-360.png'), fullPage: true });
    await admin.setViewportSize({ width: 1280, height: 900 });

    // Open it: the customer; cancel it from the calendar.
    await block.click();
    const panel = admin.getByRole('dialog');
    await expect.poll(() => panel.textContent()).toContain('zoe@example.com');
    expect(await panel.textContent()).toContain('+33 1 23 45 67 89');
    expect(await panel.textContent()).toContain(reference);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-calendar-appointment.png'), fullPage: true });
    await admin.setViewportSize({ width: 360, height: 900 });
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-calendar-appointment-360.png'), fullPage: true });
    await admin.setViewportSize({ width: 1280, height: 900 });
    await panel.getByRole('button', { name: 'Cancel appointment' }).click();
    await expect.poll(() => panel.locator('.appointease-cal-status').textContent()).toBe('Cancelled');
    const { appointments } = await adminApi<{ appointments: Array<{ reference: string; status: string }> }>(`/appointments?from=${day}&to=${day}`);
    expect(appointments.find((a) => a.reference === reference)?.status).toBe('cancelled');
    // Cancelled ones leave the picture unless asked for; the time is free again for visitors.
    await admin.getByRole('button', { name: 'Close' }).click();
    await block.waitFor({ state: 'detached' });
    await admin.getByLabel('Show cancelled').check();
    await expect.poll(() => block.getAttribute('data-status')).toBe('cancelled');
    const free = (await (await fetch(`${sidecar.url}/appointease/v1/availability?date=${day}&employeeId=${ids.staff}&serviceId=${ids.service}`)).json()) as { slots: Array<{ time: string; status: string }> };
    expect(free.slots.find((s) => s.time === time)?.status).toBe('available');
    await adminContext.close();
    await guest.context().close();
  }, 120_000);

  it('marks appointments completed and no-show, navigates weeks, and keeps the list view', async () => {
    // Two appointments as the original plugin stores them, in next week, for Dana.
    const day = new Date(Date.now() + 8 * 86_400_000).toISOString().slice(0, 10);
    wp.php(`
      global $wpdb;
      $t = $wpdb->prefix . 'appointments';
      $wpdb->insert( $t, array( 'name' => 'Grace Hopper', 'email' => 'grace@example.com', 'appointment_date' => '${day} 10:00:00', 'status' => 'confirmed', 'service_id' => ${ids.service}, 'employee_id' => ${ids.staff}, 'strong_id' => 'APT-2030-000101' ) );
      $wpdb->insert( $t, array( 'name' => 'Alan Turing', 'email' => 'alan@example.com', 'appointment_date' => '${day} 11:00:00', 'status' => 'confirmed', 'service_id' => ${ids.service}, 'employee_id' => ${ids.staff}, 'strong_id' => 'APT-2030-000102' ) );
    `);
    for (const width of [1280, 360]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const admin = await login(context, wp, 'admin', 'admin-pass');
      await admin.goto(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-calendar&view=week&staff=${ids.staff}`);
      await admin.locator('.appointease-cal-col').first().waitFor();
      const heading = admin.locator('.appointease-cal-range');
      // One or two weeks on (today + 8 days), each step by the button.
      const weeks = Math.round((Date.parse(weekOf(day, 1)[0]) - Date.parse(weekOf(new Date().toISOString().slice(0, 10), 1)[0])) / (7 * 86_400_000));
      for (let i = 0; i < weeks; i++) {
        const before = await heading.textContent();
        await admin.getByRole('button', { name: 'Next week' }).click();
        await expect.poll(() => heading.textContent()).not.toBe(before);
      }
      const grace = admin.locator('.appointease-cal-block[data-reference="APT-2030-000101"]');
      await grace.waitFor();
      expect(await admin.locator(`.appointease-cal-col[data-column="${day}"] [data-reference]`).count()).toBe(2);
      // Weeks start on Monday here (WordPress's start_of_week).
      const first = await admin.locator('.appointease-cal-col').first().getAttribute('data-column');
      expect(new Date(`${first}T00:00:00Z`).getUTCDay()).toBe(1);
      await admin.screenshot({ path: join(ARTIFACTS, `wordpress-calendar-week-${width}.png`), fullPage: true });
      if (width === 360) {
        await context.close();
        continue;
      }
      await grace.click();
      await admin.getByRole('dialog').getByRole('button', { name: 'Mark completed' }).click();
      await expect.poll(() => admin.getByRole('dialog').locator('.appointease-cal-status').textContent()).toBe('Completed');
      await admin.getByRole('button', { name: 'Close' }).click();
      await admin.locator('.appointease-cal-block[data-reference="APT-2030-000102"]').click();
      await admin.getByRole('dialog').getByRole('button', { name: 'Mark no-show' }).click();
      await expect.poll(() => admin.getByRole('dialog').locator('.appointease-cal-status').textContent()).toBe('No-show');
      const { appointments } = await adminApi<{ appointments: Array<{ reference: string; status: string }> }>(`/appointments?from=${day}&to=${day}&employeeId=${ids.staff}`);
      expect(Object.fromEntries(appointments.map((a) => [a.reference, a.status]))).toEqual({ 'APT-2030-000101': 'completed', 'APT-2030-000102': 'no-show' });
      // The tables stay, as the list view.
      const tabs = admin.locator('.appointease-tabs');
      await tabs.getByRole('link', { name: 'List' }).click();
      await admin.locator('tbody tr', { hasText: 'Grace Hopper' }).first().waitFor({ timeout: 15_000 }).catch(() => undefined);
      expect(admin.url()).toContain('page=appointease-bridge-appointments');
      await tabs.getByRole('link', { name: 'Live locks' }).click();
      await admin.locator('.appointease-feed').waitFor();
      expect(admin.url()).toMatch(/page=appointease$/);
      await context.close();
    }
  }, 120_000);

  it('an administrator who reads French gets the calendar in French', async () => {
    for (const width of [1280, 360]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const admin = await login(context, wp, 'gerard', 'gerard-pass');
      await admin.goto(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-calendar`);
      await admin.getByRole('button', { name: 'Semaine suivante' }).waitFor();
      expect(await admin.locator('.appointease-tabs').textContent()).toBe('CalendrierBlocages en directListe');
      await admin.locator('.appointease-feed[data-state="live"]').waitFor({ timeout: 15_000 });
      expect(await admin.locator('.appointease-feed').textContent()).toContain('En direct');
      await admin.screenshot({ path: join(ARTIFACTS, `wordpress-calendar-fr-${width}.png`), fullPage: true });
      await context.close();
    }
  }, 90_000);

  it('left no PHP warnings from the plugin', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});
