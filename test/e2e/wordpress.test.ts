// End to end with a real WordPress: Debian's wordpress package served by `php -S`, the bridge
// plugin from this repo activated in it, the sidecar started as its own process (as
// `npm start` would) on the same database, and Debian's Chromium driving three people:
//   a visitor who books through [appointease] (the one-time code arrives by mail that the
//     sidecar relays through the bridge's signed /mail route into wp_mail),
//   an administrator watching Live locks while a second visitor holds a time, then
//     force-releasing it,
//   a subscriber, who gets neither a token nor the admin page.
// Screenshots go to test/artifacts/ (gitignored).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WordPress, freePort } from '../bridge/wordpress.js';
import { ARTIFACTS, CHROMIUM, SECRET, codeFromMail, login, prerequisite, seedSiteCatalogue, startSidecarForSite } from './wordpress-harness.js';

describe('prerequisites of the WordPress end-to-end test', () => {
  it('php-cli, php-mysql, wordpress and chromium are installed', () => {
    expect(prerequisite, prerequisite ?? '').toBeNull();
  });
});

describe.skipIf(prerequisite)('WordPress + bridge + sidecar + widget in Chromium', () => {
  let wp: WordPress;
  let sidecar: Awaited<ReturnType<typeof startSidecarForSite>>;
  let browser: Browser;
  let staffId: number;
  let bookingPageId: number;
  let prefix = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const sidecarPort = await freePort();
    // The URL is fixed before WordPress exists, so wp-config can carry it as a constant.
    const sidecarUrl = `http://127.0.0.1:${sidecarPort}`;
    wp = await WordPress.create({ label: 'e2e', constants: { APPOINTEASE_SIDECAR_URL: sidecarUrl, APPOINTEASE_SECRET: SECRET } });
    await wp.serve();

    // A catalogue as an existing AppointEase site stores it: working hours as JSON, every day.
    const ids = seedSiteCatalogue(wp, { staff: ['Dana Example'], pageTitle: 'Book a consultation' });
    staffId = ids.staff[0]!;
    bookingPageId = ids.page;

    prefix = `e2e${Date.now().toString(36)}:`;
    sidecar = await startSidecarForSite(wp, sidecarPort, prefix);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (sidecar) {
      const exited = new Promise((r) => sidecar.process.once('exit', r));
      sidecar.process.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    await wp?.destroy();
    // The sidecar's Redis keys of this run (SCAN, never KEYS).
    if (prefix) spawnSync('sh', ['-c', `redis-cli -h 127.0.0.1 --scan --pattern '${prefix}*' | xargs -r redis-cli -h 127.0.0.1 del`]);
  }, 60_000);

  it('a visitor books through the [appointease] page, confirming with the code WordPress mailed', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(`${wp.url}/?page_id=${bookingPageId}`);
    await expect.poll(() => page.locator('appointease-booking').count()).toBe(1);

    const time = page.getByRole('button', { name: /^\d\d:\d\d$/ }).and(page.locator(':not([disabled]):not([aria-disabled="true"])')).first();
    await time.waitFor({ timeout: 20_000 });
    await time.click();
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('Email', { exact: true }).fill('ada@example.com');
    await page.getByRole('button', { name: 'Send code' }).click();
    const code = await codeFromMail(wp, 'ada@example.com');
    await page.getByLabel('Verification code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    const reference = page.getByText(/APT-\d{4}-\d{6}/).first();
    await reference.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'wordpress-booking-confirmed.png'), fullPage: true });

    const ref = (await reference.textContent())!.match(/APT-\d{4}-\d{6}/)![0];
    expect(wp.phpJson<string>(`global $wpdb; echo wp_json_encode( $wpdb->get_var( $wpdb->prepare( "SELECT status FROM {$wpdb->prefix}appointments WHERE strong_id = %s AND email = %s", ${JSON.stringify(ref)}, 'ada@example.com' ) ) );`)).toBe('confirmed');
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 90_000);

  it("an administrator's Live locks page shows another browser's hold within 2 s and force-releases it", async () => {
    const adminContext = await browser.newContext();
    const admin = await login(adminContext, wp, 'admin', 'admin-pass');
    admin.on('dialog', (dialog) => void dialog.accept());
    await admin.goto(`${wp.url}/wp-admin/admin.php?page=appointease`);
    await admin.locator('.appointease-feed[data-state="live"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => admin.locator('tr[data-lock]').count()).toBe(0);

    const visitorContext = await browser.newContext();
    const visitor = await visitorContext.newPage();
    await visitor.goto(`${wp.url}/?page_id=${bookingPageId}`);
    const time = visitor.getByRole('button', { name: /^\d\d:\d\d$/ }).and(visitor.locator(':not([disabled]):not([aria-disabled="true"])')).first();
    await time.waitFor({ timeout: 20_000 });
    const heldTime = (await time.textContent())!.trim();
    const locked = visitor.waitForResponse((r) => r.url().includes('/appointease/v1/locks') && r.request().method() === 'POST');
    await time.click();
    const lockResponse = await locked;
    expect(lockResponse.status()).toBe(201);
    const lockedAt = Date.now();
    const lock = (await lockResponse.json()) as { date: string; time: string; employeeId: number };

    const row = admin.locator(`tr[data-lock="${lock.date} ${lock.time} ${staffId}"]`);
    await row.waitFor({ timeout: 2_000 });
    expect(Date.now() - lockedAt).toBeLessThanOrEqual(2_000);
    expect(lock.time).toBe(heldTime);
    await expect.poll(() => row.textContent()).toContain('Dana Example');
    await expect.poll(() => row.textContent()).toContain('Consultation');
    // The countdown runs: remaining time is shown as m:ss and goes down. It ticks once a
    // second, but a loaded machine may delay a tick; a fixed 1.1 s sleep raced that.
    const seconds = async () => {
      const text = (await row.locator('.appointease-countdown').textContent()) ?? '';
      expect(text).toMatch(/^\d+:\d\d$/);
      const [m, s] = text.split(':').map(Number);
      return m * 60 + s;
    };
    const first = await seconds();
    await expect.poll(seconds, { timeout: 5_000 }).toBeLessThan(first);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-live-locks.png'), fullPage: true });

    await row.getByRole('button', { name: 'Force release' }).click();
    await row.waitFor({ state: 'detached', timeout: 5_000 });
    const remaining = (await (await fetch(`${sidecar.url}/appointease/v1/locks?date=${lock.date}&employeeId=${staffId}`)).json()) as { locks: Array<{ time: string }> };
    expect(remaining.locks.map((l) => l.time)).not.toContain(lock.time);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-live-locks-released.png'), fullPage: true });
    await visitorContext.close();
    await adminContext.close();
  }, 90_000);

  it('a subscriber gets no admin page and no token', async () => {
    const context = await browser.newContext();
    const page = await login(context, wp, 'subscriber', 'subscriber-pass');
    const response = await page.goto(`${wp.url}/wp-admin/admin.php?page=appointease`);
    expect(response?.status()).toBe(403);
    await expect.poll(() => page.textContent('body')).toContain('Sorry, you are not allowed to access this page.');
    await page.screenshot({ path: join(ARTIFACTS, 'wordpress-subscriber-refused.png'), fullPage: true });

    const nonce = wp.restNonce((await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; '));
    const statuses = await page.evaluate(
      async ({ url, nonce }) => {
        const withNonce = await fetch(url, { method: 'POST', headers: { 'X-WP-Nonce': nonce } });
        const without = await fetch(url, { method: 'POST' });
        return { withNonce: withNonce.status, without: without.status, body: await withNonce.text() };
      },
      { url: `${wp.url}/?rest_route=/appointease-bridge/v1/token`, nonce },
    );
    expect(statuses.withNonce).toBe(403);
    expect(statuses.without).toBe(401);
    expect(statuses.body).not.toContain('token"');
    await context.close();
  }, 60_000);

  it('left no PHP warnings from the plugin', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});
