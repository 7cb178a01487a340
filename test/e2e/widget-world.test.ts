// The widget for sites anywhere (Issue 15), in Debian's Chromium against a real sidecar:
// a business in Europe/Berlin seen from America/New_York across both zones' DST changes, the
// month grid driven by the keyboard alone (WAI-ARIA APG date picker), a booking in each of the
// eight languages with axe at every step, right to left in Arabic, and a 360 px phone at 200 %.
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSLATIONS } from '../../widget/i18n-files';
import { LANGUAGES, messagesFor, pickLocale, type Messages } from '../../widget/src/i18n';
import type { TestSidecar } from '../helpers/sidecar';
import {
  axeViolations, chooseDay, focused, openHostPage, screenshot, startWidgetStack, stepHeading, tabTo, type Mailbox, type WidgetStack,
} from './widget-helpers';

const BUSINESS = 'Europe/Berlin';
const VISITOR = 'America/New_York';

/** The first day after today (in `zone`) whose noon has another UTC offset than the day before: a DST change. */
function nextOffsetChange(zone: string): string {
  let day = DateTime.now().setZone(zone).startOf('day').plus({ days: 2 });
  for (let i = 0; i < 400; i++, day = day.plus({ days: 1 })) {
    if (day.set({ hour: 12 }).offset !== day.minus({ days: 1 }).set({ hour: 12 }).offset) return day.toISODate()!;
  }
  throw new Error(`no offset change in ${zone} within 400 days`);
}

/** The visitor's clock for a business-zone wall time, by luxon (independent of the widget's Intl code). */
const visitorClock = (date: string, time: string) => DateTime.fromISO(`${date}T${time}`, { zone: BUSINESS }).setZone(VISITOR).toFormat('HH:mm');

const WP_LOCALE: Record<string, string> = { en: 'en_US', de: 'de_DE', fr: 'fr_FR', es: 'es_ES', it: 'it_IT', nl: 'nl_NL', 'pt-BR': 'pt_BR', ar: 'ar' };
const stringsOf = (lang: string): Messages => messagesFor(pickLocale(lang), (TRANSLATIONS as Record<string, unknown>)[lang]);

describe('the widget for sites anywhere, in Chromium', () => {
  let stack: WidgetStack;
  let sidecar: TestSidecar;
  let mailbox: Mailbox;
  let ids: WidgetStack['ids'];

  beforeAll(async () => {
    stack = await startWidgetStack({ settings: { timezone: BUSINESS, minNoticeMinutes: 0, maxAdvanceDays: 420 }, hours: ['08:00', '18:00'] });
    ({ sidecar, mailbox, ids } = stack);
  }, 120_000);
  afterAll(() => stack?.close());

  const newPage = (o: { width?: number; zone?: string; locale?: string; scale?: number } = {}) =>
    stack.newPage({ width: o.width, timezoneId: o.zone ?? BUSINESS, locale: o.locale, scale: o.scale });

  const open = (page: Page, locale = 'en_US') =>
    openHostPage(page, stack.site, { service: String(ids.serviceIds[0]), employee: String(ids.staffIds[0]), locale });
  const slots = (page: Page) => page.locator('appointease-booking button.ae-slot');
  const freeSlot = (page: Page) => page.locator('appointease-booking button.ae-slot:not([aria-disabled])').first();
  /** The texts of an element's aria-describedby targets (inside the shadow root). */
  const descriptions = (page: Page, selector: string) =>
    page.evaluate((sel) => {
      const root = document.querySelector('appointease-booking')!.shadowRoot!;
      const el = root.querySelector(sel)!;
      return (el.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean).map((id) => root.getElementById(id)?.textContent ?? '');
    }, selector);

  async function fillDetailsAndConfirm(page: Page, t: Messages, name: string, email: string) {
    await page.getByLabel(t.name, { exact: true }).fill(name);
    await page.getByLabel(t.email, { exact: true }).fill(email);
    const before = mailbox.messages.length;
    await page.getByRole('button', { name: t.sendCode, exact: true }).click();
    await expect.poll(() => stepHeading(page).textContent()).toBe(t.stepVerify);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel(t.code, { exact: true }).fill(await mailbox.codeFor(email, before));
    await page.getByRole('button', { name: t.confirm, exact: true }).click();
    await expect.poll(() => stepHeading(page).textContent(), { timeout: 15_000 }).toBe(t.stepSuccess);
    expect(await axeViolations(page)).toEqual([]);
  }

  it('always names the business zone by its city; a visitor in it gets no switch', async () => {
    const page = await newPage();
    await open(page);
    await freeSlot(page).waitFor();
    expect(await page.locator('appointease-booking .ae-zone p').textContent()).toBe('Times are in Berlin time.');
    expect(await page.locator('appointease-booking .ae-toggle').count()).toBe(0);
  }, 60_000);

  it(`"show in my time" from ${VISITOR} around both zones' DST changes; the booking stays on Berlin's clock`, async () => {
    const page = await newPage({ zone: VISITOR });
    await open(page);
    await freeSlot(page).waitFor();
    expect(await page.locator('appointease-booking .ae-zone p').textContent()).toBe('Times are in Berlin time.');
    const toggle = page.getByRole('button', { name: 'Show in my time (New York)' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('appointease-booking .ae-zone p').textContent()).toBe('Times are shown in your time (New York). The appointment is made in Berlin time.');

    const nyChange = nextOffsetChange(VISITOR);
    const berlinChange = nextOffsetChange(BUSINESS);
    const days = [...new Set([nyChange, berlinChange].flatMap((d) => [DateTime.fromISO(d).minus({ days: 1 }).toISODate()!, d]))].sort();
    const offsets = new Set<string>();
    for (const day of days) {
      await chooseDay(page, day);
      await page.locator('appointease-booking button.ae-slot[data-time="09:00"]').waitFor();
      // Every time on the visitor's clock, named by it; Berlin's clock is its description.
      const nine = page.locator('appointease-booking button.ae-slot[data-time="09:00"]');
      await expect.poll(() => nine.textContent(), { message: day }).toBe(visitorClock(day, '09:00'));
      expect(await descriptions(page, 'button.ae-slot[data-time="09:00"]')).toEqual(['09:00 Berlin time']);
      expect(await page.getByRole('button', { name: visitorClock(day, '17:30'), exact: true }).getAttribute('data-time')).toBe('17:30');
      offsets.add(`${day}: 09:00 Berlin = ${visitorClock(day, '09:00')} New York`);
    }
    // Between the two changes the zones are 5 hours apart, otherwise 6: both cases were shown.
    expect(new Set([...offsets].map((o) => o.replace(/^.* = /, '')))).toEqual(new Set(['03:00 New York', '04:00 New York']));
    await screenshot(page, 'widget-1024-my-time');
    await page.setViewportSize({ width: 360, height: 800 });
    await screenshot(page, 'widget-360-my-time');
    await page.setViewportSize({ width: 1024, height: 800 });

    // Book Berlin's 09:00 on its DST day, chosen by its New York name.
    await chooseDay(page, berlinChange);
    const mine = visitorClock(berlinChange, '09:00');
    const held = page.waitForResponse((r) => r.url().endsWith('/appointease/v1/locks') && r.request().method() === 'POST');
    await page.getByRole('button', { name: mine, exact: true }).click();
    expect(JSON.parse((await held).request().postData()!)).toMatchObject({ date: berlinChange, time: '09:00' });
    await expect.poll(() => stepHeading(page).textContent()).toBe('Your details');
    const when = (await page.locator('appointease-booking .ae-when').textContent())!;
    expect(when).toContain('09:00 Berlin time');
    expect(when).toContain(`${mine} your time (New York)`);
    await fillDetailsAndConfirm(page, stringsOf('en'), 'Zoë Traveller', 'zoe.dst@example.com');
    const reference = (await page.locator('appointease-booking .ae-ref').textContent())!;
    const ics = decodeURIComponent((await page.getByRole('link', { name: 'Add to calendar' }).getAttribute('href'))!);
    const utc = DateTime.fromISO(`${berlinChange}T09:00`, { zone: BUSINESS }).toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'");
    expect(ics).toContain(`DTSTART:${utc}`);
    expect(ics.replace(/\r\n /g, '')).toContain('09:00 Berlin time');
    const res = await sidecar.api(`/admin/appointments?from=${berlinChange}&to=${berlinChange}`, { token: sidecar.adminToken() });
    expect((await res.json()).appointments.map((a: { reference: string; time: string }) => [a.reference, a.time])).toEqual([[reference, '09:00']]);
    await screenshot(page, 'widget-1024-my-time-booked');
  }, 120_000);

  it('books with the keyboard alone through the APG month grid: one tab stop, arrows, Home/End, Page Up/Down', async () => {
    const page = await newPage();
    await open(page);
    await freeSlot(page).waitFor();
    await page.locator('body').focus();
    await tabTo(page, (f) => f.tag === 'button' && /^\d+$/.test(f.text) && f.label === null);
    const day = async () => page.evaluate(() => (document.querySelector('appointease-booking')!.shadowRoot!.activeElement as HTMLElement).dataset.day!);
    const start = await day();
    // The grid's one stop is the selected day.
    expect(start).toBe(await page.locator('appointease-booking td[aria-selected="true"] button').getAttribute('data-day'));
    const plus = (n: number, unit: 'days' | 'months' = 'days') => DateTime.fromISO(start).plus({ [unit]: n }).toISODate();
    await page.keyboard.press('ArrowRight');
    await expect.poll(day).toBe(plus(1));
    await page.keyboard.press('ArrowDown');
    await expect.poll(day).toBe(plus(8));
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(day).toBe(start);
    // Two weeks on, a whole week lies within reach (focus never goes before this month's first).
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(day).toBe(plus(14));
    await page.keyboard.press('End');
    await expect.poll(async () => DateTime.fromISO(await day()).weekday).toBe(6); // en-US weeks end on Saturday
    await page.keyboard.press('Home');
    await expect.poll(async () => DateTime.fromISO(await day()).weekday).toBe(7); // … and start on Sunday
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    for (let i = 0; i < 7 && (await day()) !== start; i++) await page.keyboard.press((await day()) < start ? 'ArrowRight' : 'ArrowLeft');
    await expect.poll(day).toBe(start);
    await page.keyboard.press('PageDown');
    const month = DateTime.fromISO(start).plus({ months: 1 }).setLocale('en-US').toFormat('LLLL yyyy');
    await expect.poll(() => page.locator('appointease-booking .ae-month').textContent()).toBe(month);
    await page.keyboard.press('PageUp');
    await expect.poll(() => page.locator('appointease-booking .ae-month').textContent()).not.toBe(month);
    // Choose the day after the first free one with Enter; its times load.
    for (let i = 0; i < 10 && (await day()) !== plus(1); i++) await page.keyboard.press((await day()) < plus(1)! ? 'ArrowRight' : 'ArrowLeft');
    expect(await day()).toBe(plus(1));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('appointease-booking td[aria-selected="true"] button').getAttribute('data-day')).toBe(plus(1));
    expect(await axeViolations(page)).toEqual([]);
    // One tab stop: Tab leaves the grid for the first time of the day, Shift+Tab comes back to the day.
    await page.keyboard.press('Tab');
    const first = await focused(page);
    expect(first.text).toMatch(/^\d\d:\d\d$/);
    await page.keyboard.press('Shift+Tab');
    await expect.poll(day).toBe(plus(1));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused(page)).text).toBe('Your details');
    const held = await page.evaluate(() => document.querySelector('appointease-booking')!.shadowRoot!.querySelector('.ae-when')!.textContent);
    expect(held).toContain(`${first.text} Berlin time`);

    await tabTo(page, (f) => f.label === 'Name');
    await page.keyboard.type('Grace Keys');
    await tabTo(page, (f) => f.label === 'Email');
    await page.keyboard.type('grace.keys@example.com');
    const before = mailbox.messages.length;
    await tabTo(page, (f) => f.text === 'Send code');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused(page)).text).toBe('Confirm your booking');
    await tabTo(page, (f) => f.label === 'Verification code');
    await page.keyboard.type(await mailbox.codeFor('grace.keys@example.com', before));
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused(page)).text, { timeout: 15_000 }).toBe('Your booking is confirmed');
    expect(await page.locator('appointease-booking .ae-ref').textContent()).toMatch(/^APT-\d{4}-\d{6}$/);
  }, 120_000);

  it.each([...LANGUAGES])('books in %s with axe clean at every step', async (lang) => {
    const t = stringsOf(lang);
    const shots = lang === 'fr' || lang === 'ar';
    for (const width of shots ? [1024, 360] : [1024]) {
      const page = await newPage({ width, locale: lang === 'pt-BR' ? 'pt-BR' : lang });
      await open(page, WP_LOCALE[lang]);
      await expect.poll(() => stepHeading(page).textContent(), { timeout: 20_000 }).toBe(t.stepDate);
      const root = page.locator('appointease-booking .ae');
      expect(await root.getAttribute('lang')).toBe(pickLocale(WP_LOCALE[lang]).tag);
      expect(await root.getAttribute('dir')).toBe(lang === 'ar' ? 'rtl' : 'ltr');
      await freeSlot(page).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      if (lang === 'ar') {
        // Right to left: the week's first column is on the right, the "previous month" arrow points right.
        const xs = await page.locator('appointease-booking .ae-grid th').evaluateAll((ths) => ths.slice(0, 2).map((th) => th.getBoundingClientRect().x));
        expect(xs[0]).toBeGreaterThan(xs[1]!);
      }
      if (shots) await screenshot(page, `widget-${width}-${lang}-1-date`);
      await freeSlot(page).click();
      await expect.poll(() => stepHeading(page).textContent()).toBe(t.stepDetails);
      expect(await axeViolations(page)).toEqual([]);
      if (shots) await screenshot(page, `widget-${width}-${lang}-2-details`);
      await fillDetailsAndConfirm(page, t, 'Ada Lovelace', `ada.${lang.toLowerCase()}.${width}@example.com`);
      expect(await page.locator('appointease-booking .ae-ref').textContent()).toMatch(/^APT-\d{4}-\d{6}$/);
      if (shots) await screenshot(page, `widget-${width}-${lang}-3-success`);
      await page.getByRole('button', { name: t.manage, exact: true }).click();
      await expect.poll(() => stepHeading(page).textContent()).toBe(t.stepManage);
      await page.getByRole('button', { name: t.cancel, exact: true }).first().waitFor();
      expect(await axeViolations(page)).toEqual([]);
    }
  }, 120_000);

  it('a 360 px phone at 200 % zoom (180 CSS px): targets of 24 px or spaced so no other lies within 12 px of their centre; axe clean', async () => {
    for (const lang of ['en', 'ar']) {
      const page = await newPage({ width: 180, scale: 2, locale: lang });
      await open(page, WP_LOCALE[lang]);
      await freeSlot(page).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      // WCAG 2.5.8 by its size rule, or its spacing rule measured the way axe does (centre to the nearest other target).
      const tooClose = await page.evaluate(() => {
        const rects = [...document.querySelector('appointease-booking')!.shadowRoot!.querySelectorAll('button, a')]
          .map((el) => ({ el, r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0);
        const gap = (r: DOMRect, x: number, y: number) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
        return rects
          .filter(({ r }) => r.width < 24 || r.height < 24)
          .filter(({ el, r }) => rects.some((o) => o.el !== el && gap(o.r, r.left + r.width / 2, r.top + r.height / 2) < 12))
          .map(({ el, r }) => `${el.textContent} ${r.width.toFixed(1)}x${r.height.toFixed(1)}`);
      });
      expect(tooClose).toEqual([]);
      // Nothing is cut off: the month fits the width.
      const grid = await page.locator('appointease-booking .ae-grid').evaluate((g) => ({ w: g.scrollWidth, c: g.parentElement!.clientWidth }));
      expect(grid.w).toBeLessThanOrEqual(grid.c);
      await screenshot(page, `widget-360-zoom200-${lang}`);
    }
  }, 60_000);
});
