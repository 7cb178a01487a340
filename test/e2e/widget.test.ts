import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { icsUid } from '../../server/src/mail/ics-format';
import type { TestSidecar } from '../helpers/sidecar';
import {
  axeViolations, chooseDay, focused, openHostPage, screenshot, startWidgetStack, stepHeading, tabTo, type Mailbox, type WidgetStack,
} from './widget-helpers';

// The widget in Debian's Chromium against a real sidecar (MariaDB, Redis, SMTP).
describe('booking widget in Chromium', () => {
  let stack: WidgetStack;
  let sidecar: TestSidecar;
  let mailbox: Mailbox;
  let ids: WidgetStack['ids'];

  beforeAll(async () => {
    stack = await startWidgetStack({ settings: { timezone: 'UTC', minNoticeMinutes: 0 } });
    ({ sidecar, mailbox, ids } = stack);
  }, 120_000);
  afterAll(() => stack?.close());

  const newPage = (width = 360, locale = 'en-US') => stack.newPage({ width, locale });

  /**
   * The widget, on tomorrow: every one of its times is still ahead, whatever the hour the tests
   * run at (today may have none or one left, and the tests take several).
   */
  const open = async (page: Page, attrs: Record<string, string> = {}) => {
    await openHostPage(page, stack.site, { service: String(ids.serviceIds[0]), employee: String(ids.staffIds[0]), locale: 'en', ...attrs });
    await page.locator('appointease-booking .ae-month').waitFor();
    await chooseDay(page, new Date(Date.now() + 86_400_000).toISOString().slice(0, 10), attrs.locale === 'de_DE' ? 'de-DE' : 'en-US');
  };

  /** The first time the widget offers (it opens on the first day with one). */
  async function freeTime(page: Page, skip = 0): Promise<string> {
    const slots = page.locator('appointease-booking button.ae-slot:not([aria-disabled])');
    await slots.first().waitFor();
    return (await slots.nth(skip).textContent())!.trim();
  }

  /** Wait until the widget's socket is open (its subscription is sent on open). */
  const liveUp = (page: Page) => page.locator('appointease-booking .ae[data-live="up"]').waitFor();

  it('books end to end with the emailed code; every step passes axe; 360 px screenshots', async () => {
    const page = await newPage(360);
    await open(page);
    const time = await freeTime(page);
    await expect.poll(() => stepHeading(page).textContent()).toBe('Choose a date and time');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'widget-360-1-date');

    await page.getByRole('button', { name: time, exact: true }).click();
    await expect.poll(() => stepHeading(page).textContent()).toBe('Your details');
    await expect.poll(() => page.getByRole('timer').textContent()).toMatch(/\d:\d\d/);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('Email', { exact: true }).fill('ada.e2e@example.com');
    await page.getByLabel('Phone', { exact: true }).fill('+49 30 123456');
    const mailsBefore = mailbox.messages.length;
    await page.getByRole('button', { name: 'Send code', exact: true }).click();
    await expect.poll(() => stepHeading(page).textContent()).toBe('Confirm your booking');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'widget-360-2-verify');

    const code = await mailbox.codeFor('ada.e2e@example.com', mailsBefore);
    await page.getByLabel('Verification code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Confirm booking', exact: true }).click();
    await expect.poll(() => stepHeading(page).textContent(), { timeout: 10_000 }).toBe('Your booking is confirmed');
    const reference = (await page.locator('appointease-booking .ae-ref').textContent())!;
    expect(reference).toMatch(/^APT-\d{4}-\d{6}$/);
    const ics = page.getByRole('link', { name: 'Add to calendar' });
    expect(await ics.getAttribute('download')).toBe(`${reference}.ics`);
    // The UID the sidecar's invitation mails carry: they update this entry, not add a second one.
    expect(decodeURIComponent((await ics.getAttribute('href'))!)).toContain(`UID:${icsUid(reference)}`);
    expect(icsUid(reference)).toBe(`${reference.toLowerCase()}@appointease`);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'widget-360-3-success');

    // The booking is real: the sidecar now reports the time as booked.
    const date = await page.evaluate(() =>
      (document.querySelector('appointease-booking')!.shadowRoot!.querySelector('.ae-summary dd:last-of-type')!.textContent ?? ''));
    expect(date).toContain(time);
    const res = await sidecar.api('/appointments', { token: await sessionToken(page) });
    const list = (await res.json()).appointments as { reference: string; time: string }[];
    expect(list.map((a) => [a.reference, a.time])).toEqual([[reference, time]]);

    // Manage my bookings: the session from the booking lists it; cancelling frees it.
    await page.getByRole('button', { name: 'Manage my bookings' }).click();
    await expect.poll(() => stepHeading(page).textContent()).toBe('My bookings');
    await page.getByText(reference).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Cancel booking' }).click();
    await page.getByRole('button', { name: 'Yes, cancel' }).click();
    await page.getByText('Cancelled').waitFor();
  }, 90_000);

  it('a second browser sees the held time disabled within 2 s, and free again after Back or leaving', async () => {
    const first = await newPage(800);
    const second = await newPage(800);
    await Promise.all([open(first), open(second)]);
    const time = await freeTime(first);
    await Promise.all([liveUp(first), liveUp(second)]);
    const slot2 = second.getByRole('button', { name: time, exact: true });
    await expect.poll(() => slot2.getAttribute('aria-disabled')).toBeNull();

    const held = first.waitForResponse((r) => r.url().endsWith('/appointease/v1/locks') && r.request().method() === 'POST');
    await first.getByRole('button', { name: time, exact: true }).click();
    expect((await held).status()).toBe(201);
    // The functional requirement: the other visitor sees it taken within two seconds.
    await expect.poll(() => slot2.getAttribute('aria-disabled'), { timeout: 2_000, interval: 50 }).toBe('true');
    // Taken times stay in place, named by their time.
    expect(await slot2.textContent()).toBe(time);

    await first.getByRole('button', { name: 'Back', exact: true }).click();
    await expect.poll(() => slot2.getAttribute('aria-disabled'), { timeout: 2_000, interval: 50 }).toBeNull();

    // Leaving the page releases the hold too (keepalive DELETE on pagehide).
    await first.getByRole('button', { name: time, exact: true }).click();
    await expect.poll(() => slot2.getAttribute('aria-disabled'), { timeout: 2_000, interval: 50 }).toBe('true');
    await first.goto('about:blank');
    await expect.poll(() => slot2.getAttribute('aria-disabled'), { timeout: 2_000, interval: 50 }).toBeNull();
  }, 60_000);

  it('books with the keyboard alone', async () => {
    const page = await newPage(1024);
    await open(page);
    const time = await freeTime(page, 1);
    await page.locator('body').focus();
    await tabTo(page, (f) => f.tag === 'button' && f.text === time);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused(page)).text).toBe('Your details');

    await tabTo(page, (f) => f.label === 'Name');
    await page.keyboard.type('Grace Hopper');
    await tabTo(page, (f) => f.label === 'Email');
    await page.keyboard.type('grace.e2e@example.com');
    const mailsBefore = mailbox.messages.length;
    await tabTo(page, (f) => f.text === 'Send code');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused(page)).text).toBe('Confirm your booking');

    const code = await mailbox.codeFor('grace.e2e@example.com', mailsBefore);
    await tabTo(page, (f) => f.label === 'Verification code');
    await page.keyboard.type(code);
    await page.keyboard.press('Enter'); // submits the form: Confirm booking
    await expect.poll(() => focusedOrAlert(page), { timeout: 10_000 }).toBe('Your booking is confirmed');
    expect(await page.locator('appointease-booking .ae-ref').textContent()).toMatch(/^APT-\d{4}-\d{6}$/);
    // Focus is visible: the focused control draws an outline.
    await tabTo(page, (f) => f.text === 'Add to calendar');
    const outline = await page.evaluate(() => {
      const el = document.querySelector('appointease-booking')!.shadowRoot!.activeElement!;
      const s = getComputedStyle(el);
      return `${s.outlineStyle} ${s.outlineWidth}`;
    });
    expect(outline).toBe('solid 3px');
  }, 90_000);

  it('moves a booking from "Manage my bookings" (same date flow, then PATCH)', async () => {
    const page = await newPage(1024);
    await open(page);
    await page.getByRole('button', { name: await freeTime(page, 3), exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Mary Somerville');
    await page.getByLabel('Email', { exact: true }).fill('mary.e2e@example.com');
    const mailsBefore = mailbox.messages.length;
    await page.getByRole('button', { name: 'Send code', exact: true }).click();
    await page.getByLabel('Verification code', { exact: true }).fill(await mailbox.codeFor('mary.e2e@example.com', mailsBefore));
    await page.getByRole('button', { name: 'Confirm booking', exact: true }).click();
    await expect.poll(() => focusedOrAlert(page), { timeout: 10_000 }).toBe('Your booking is confirmed');
    const reference = (await page.locator('appointease-booking .ae-ref').textContent())!;

    await page.getByRole('button', { name: 'Manage my bookings' }).click();
    await page.getByText(reference).waitFor();
    await page.getByRole('button', { name: 'Change time' }).click();
    await expect.poll(() => stepHeading(page).textContent()).toBe('Choose a date and time');
    const later = await freeTime(page, 4);
    await page.getByRole('button', { name: later, exact: true }).click();
    await expect.poll(() => stepHeading(page).textContent()).toBe('Confirm the new time');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Confirm new time' }).click();
    await expect.poll(() => focusedOrAlert(page)).toBe('Your booking has been moved');
    const res = await sidecar.api('/appointments', { token: await sessionToken(page) });
    const list = (await res.json()).appointments as { reference: string; time: string; status: string }[];
    expect(list.filter((a) => a.status !== 'cancelled').map((a) => [a.reference, a.time])).toEqual([[reference, later]]);
  }, 90_000);

  it('speaks German for locale="de_DE"', async () => {
    const page = await newPage(360, 'de-DE');
    await open(page, { locale: 'de_DE' });
    await freeTime(page);
    await expect.poll(() => stepHeading(page).textContent()).toBe('Datum und Uhrzeit wählen');
    expect(await axeViolations(page)).toEqual([]);
  }, 60_000);
});

/** The focused element's text, or (when focus sits in a field) what the widget is alerting: failures then say why. */
async function focusedOrAlert(page: Page): Promise<string> {
  const f = await focused(page);
  if (f.text) return f.text;
  const alerts = await page.locator('appointease-booking [role="alert"]').allTextContents();
  return `<${f.tag} ${f.label ?? ''}> alerts: ${alerts.join(' | ')}`;
}

/** The widget keeps the customer session in sessionStorage (per API base). */
async function sessionToken(page: Page): Promise<string> {
  return page.evaluate(() => {
    for (let i = 0; i < sessionStorage.length; i++) {
      const k = sessionStorage.key(i)!;
      if (k.startsWith('appointease:')) return JSON.parse(sessionStorage.getItem(k)!).sessionToken;
    }
    return '';
  });
}
