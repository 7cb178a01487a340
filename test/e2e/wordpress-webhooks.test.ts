// Webhooks and reminders in a real WordPress (Debian's package under `php -S`), the bridge,
// the sidecar as its own process and Debian's Chromium (CONTRACT §12, Issue 18 item 4):
//   - an administrator adds a webhook on AppointEase → Webhooks and is shown its secret once;
//   - a customer books (through the sidecar's API, as the widget does): the receiver gets the
//     signed appointment.booked event, and the page shows the delivery as delivered, with its
//     attempts and the receiver's answer;
//   - paused, the webhook gets nothing for the cancellation; deleted, it is gone;
//   - the reminder offsets on the Settings page are what the sidecar stores.
// Screenshots (desktop and 360 px) go to test/artifacts/.
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAdminToken } from '../../server/src/services/admin-token.js';
import { verifySignature } from '../../server/src/webhooks/signature.js';
import { WordPress, freePort } from '../bridge/wordpress.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, SECRET, codeFromMail, login, prerequisite, seedSiteCatalogue, startSidecarForSite, tearDownSite, type SidecarProcess } from './wordpress-harness.js';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}


/** The milliseconds the page reported for the last test delivery (whatever they were). */
async function pingMs(page: import('playwright-core').Page): Promise<string> {
  const text = (await page.locator('.notice-success').first().textContent({ timeout: 15_000 })) ?? '';
  return /in (\d+) ms\.$/.exec(text)?.[1] ?? 'no figure';
}

describe.skipIf(prerequisite)('webhooks and reminder settings in wp-admin, with the real sidecar', () => {
  let wp: WordPress;
  let sidecar: SidecarProcess;
  let browser: Browser;
  let receiver: Server;
  let receiverUrl = '';
  let ids: { service: number; staff: number };
  let prefix = '';
  const received: Received[] = [];

  async function adminApi<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const response = await fetch(`${sidecar.url}/appointease/v1/admin${path}`, { ...init, headers: { authorization: `Bearer ${signAdminToken(SECRET, 1)}`, 'content-type': 'application/json' } });
    return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as T };
  }

  /** Books tomorrow's first free time through the sidecar's API, as the widget does: code, hold, book. */
  async function book(email: string): Promise<{ reference: string; session: string }> {
    const api = (path: string, init: RequestInit & { json?: unknown; token?: string } = {}) =>
      fetch(`${sidecar.url}/appointease/v1${path}`, {
        ...init,
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        headers: { 'content-type': 'application/json', origin: wp.url, ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
      });
    expect((await api('/otp', { method: 'POST', json: { email } })).status).toBe(202);
    const verified = await api('/otp/verify', { method: 'POST', json: { email, code: await codeFromMail(wp, email) } });
    expect(verified.status).toBe(200);
    const session = ((await verified.json()) as { sessionToken: string }).sessionToken;
    const date = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const day = (await (await api(`/availability?date=${date}&employeeId=${ids.staff}&serviceId=${ids.service}`)).json()) as { slots: Array<{ time: string; status: string }> };
    const time = day.slots.find((s) => s.status === 'available')!.time;
    const lock = await api('/locks', { method: 'POST', json: { date, time, employeeId: ids.staff, serviceId: ids.service } });
    expect(lock.status).toBe(201);
    const { lockToken } = (await lock.json()) as { lockToken: string };
    const booked = await api('/appointments', { method: 'POST', token: session, json: { lockToken, date, time, employeeId: ids.staff, serviceId: ids.service, name: 'Wanda Webhook' } });
    expect(booked.status, await booked.clone().text()).toBe(201);
    return { reference: ((await booked.json()) as { appointment: { reference: string } }).appointment.reference, session };
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ headers: req.headers, body, at: Date.now() });
        res.writeHead(204).end();
      });
    });
    const receiverPort = await freePort();
    await new Promise<void>((r) => receiver.listen(receiverPort, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${receiverPort}/appointease-hook`;

    const sidecarPort = await freePort();
    wp = await WordPress.create({ label: 'e2ehooks', constants: { APPOINTEASE_SIDECAR_URL: `http://127.0.0.1:${sidecarPort}`, APPOINTEASE_SECRET: SECRET } });
    await wp.serve();
    const seeded = seedSiteCatalogue(wp, { staff: ['Hana Hook'], pageTitle: 'Book' });
    ids = { service: seeded.service, staff: seeded.staff[0]! };
    prefix = `e2ehooks${Date.now().toString(36)}:`;
    // The receiver is on this machine: loopback needs the switch (CONTRACT §12).
    sidecar = await startSidecarForSite(wp, sidecarPort, prefix, { OUTBOUND_ALLOW_PRIVATE: 'true', OUTBOX_POLL_MS: '200' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await tearDownSite({ browser, sidecar, wp, prefix });
    await new Promise((r) => receiver?.close(r));
  }, 60_000);

  const rowOf = (page: Page, url: string) => page.locator('tr[data-webhook]', { hasText: url });

  it('add a webhook, see a delivery: the secret once, the signed event at the receiver, the delivery on the page; pause, delete', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = await login(context, wp, 'admin', 'admin-pass');
    admin.on('dialog', (dialog) => void dialog.accept());
    // The menu has the page.
    expect(await admin.locator('#toplevel_page_appointease a', { hasText: 'Webhooks' }).getAttribute('href')).toBe('admin.php?page=appointease-bridge-webhooks');
    await admin.goto(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-webhooks`);
    await admin.getByText('No webhooks yet.').waitFor({ timeout: 15_000 });

    await admin.getByRole('button', { name: 'Add webhook' }).click();
    await admin.getByLabel('Receiver URL').fill(receiverUrl);
    await admin.getByRole('button', { name: 'Save webhook' }).click();
    const secretField = admin.getByLabel('Signing secret', { exact: true });
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const row = rowOf(admin, receiverUrl);
    await row.waitFor();
    expect(await row.textContent()).toContain('Booked, Rescheduled, Cancelled');
    expect(await row.textContent()).toContain('Active');
    // The list never shows the secret again.
    const listed = await adminApi<{ webhooks: Array<Record<string, unknown>> }>('/webhooks');
    expect(listed.body.webhooks).toEqual([expect.objectContaining({ url: receiverUrl, active: true })]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-webhooks-added.png'), fullPage: true });
    await admin.getByRole('button', { name: 'Done' }).click();
    expect(await admin.content()).not.toContain(secret);

    // A booking: the receiver gets it, signed with the secret the page showed.
    const { reference, session } = await book('wanda@example.com');
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    const hit = received[0]!;
    expect(hit.headers['content-type']).toMatch(/^application\/json/);
    expect(verifySignature(String(hit.headers['appointease-signature']), hit.body, secret)).toMatchObject({ ok: true });
    const event = JSON.parse(hit.body) as { id: string; type: string; data: { appointment: { reference: string; email: string } } };
    expect(event).toMatchObject({ type: 'appointment.booked', data: { appointment: { reference, email: 'wanda@example.com' } } });
    expect(hit.headers['appointease-event-id']).toBe(event.id);

    // The page shows it: delivered, one attempt, the receiver's 204.
    await row.getByRole('button', { name: 'Deliveries' }).click();
    const delivery = admin.locator('tr[data-delivery]').first();
    await expect
      .poll(
        async () => {
          if ((await delivery.count()) === 0 || (await delivery.getAttribute('data-status')) !== 'delivered') await admin.getByRole('button', { name: 'Refresh' }).click();
          return delivery.getAttribute('data-status');
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('delivered');
    expect((await delivery.locator('td').allTextContents()).slice(0, 4)).toEqual(['Booked', 'Delivered', '1 attempt', 'HTTP 204']);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-webhooks-deliveries.png'), fullPage: true });
    await admin.setViewportSize({ width: 360, height: 900 });
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-webhooks-deliveries-360.png'), fullPage: true });
    await admin.setViewportSize({ width: 1280, height: 900 });

    // Paused: the cancellation is not sent.
    await row.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => row.textContent()).toContain('Paused');
    expect((await adminApi<{ webhooks: Array<{ active: boolean }> }>('/webhooks')).body.webhooks[0]!.active).toBe(false);
    const cancelled = await fetch(`${sidecar.url}/appointease/v1/appointments/${reference}`, { method: 'DELETE', headers: { authorization: `Bearer ${session}`, origin: wp.url } });
    expect(cancelled.status).toBe(200);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(received).toHaveLength(1);

    // A test, paused or not: the receiver gets a signed webhook.ping and the page says what it answered.
    await row.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => admin.locator('.notice-success').first().textContent()).toBe(`Test delivered to ${receiverUrl}: HTTP 204 in ${await pingMs(admin)} ms.`);
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[1]!.body)).toMatchObject({ type: 'webhook.ping' });
    expect(verifySignature(String(received[1]!.headers['appointease-signature']), received[1]!.body, secret)).toMatchObject({ ok: true });

    // A new secret: shown once; the old one still signs beside it, as the list says.
    await row.getByRole('button', { name: 'New secret' }).click();
    await admin.getByText('New signing secret made.').waitFor();
    const fresh = await admin.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(fresh).not.toBe(secret);
    await expect.poll(() => row.textContent()).toContain('The old secret also signs until');
    await admin.getByRole('button', { name: 'Done' }).click();
    await row.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => received.length).toBe(3);
    for (const key of [fresh, secret]) expect(verifySignature(String(received[2]!.headers['appointease-signature']), received[2]!.body, key)).toMatchObject({ ok: true });

    // Deleted: gone from the page and the sidecar.
    await row.getByRole('button', { name: 'Delete' }).click();
    await admin.getByText('No webhooks yet.').waitFor();
    expect((await adminApi<{ webhooks: unknown[] }>('/webhooks')).body.webhooks).toEqual([]);
    await context.close();
  }, 150_000);

  it('the reminder offsets on the Settings page are what the sidecar stores', async () => {
    expect((await adminApi<{ reminders: unknown }>('/settings')).body.reminders).toEqual([{ minutesBefore: 1440 }]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = await login(context, wp, 'admin', 'admin-pass');
    await admin.goto(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-settings`);
    const lines = admin.locator('li.appointease-reminder');
    await lines.first().waitFor({ timeout: 15_000 });
    expect(await lines.count()).toBe(1);
    expect(await lines.first().locator('input').inputValue()).toBe('1');
    expect(await lines.first().locator('select').inputValue()).toBe('days');
    // 2 hours and 30 minutes before.
    await lines.first().locator('input').fill('2');
    await lines.first().locator('select').selectOption('hours');
    await admin.getByRole('button', { name: 'Add a reminder' }).click();
    await lines.nth(1).locator('input').fill('30');
    await lines.nth(1).locator('select').selectOption('minutes');
    await admin.getByRole('button', { name: 'Save booking rules' }).click();
    await admin.getByText('Booking rules saved.').waitFor();
    expect((await adminApi<{ reminders: unknown }>('/settings')).body.reminders).toEqual([{ minutesBefore: 120 }, { minutesBefore: 30 }]);
    await admin.screenshot({ path: join(ARTIFACTS, 'wordpress-settings-reminders.png'), fullPage: true });
    // None at all.
    for (let i = 0; i < 2; i++) await lines.first().getByRole('button', { name: 'Remove' }).click();
    await admin.getByText('No reminder mails are sent.').waitFor();
    await admin.getByRole('button', { name: 'Save booking rules' }).click();
    await expect.poll(async () => (await adminApi<{ reminders: unknown }>('/settings')).body.reminders).toEqual([]);
    await context.close();
  }, 90_000);

  it('left no PHP warnings from the plugin', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});
