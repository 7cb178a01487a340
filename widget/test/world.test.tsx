// @vitest-environment happy-dom
// Time zones, what each time button says, and the keyboard month grid (Issue 15), against the
// in-memory sidecar. The real browser paths are in test/e2e/widget-world.test.ts.
import { DateTime } from 'luxon';
import { describe, expect, it, vi } from 'vitest';
import { addDays, addMonthsToDay } from '../src/format';
import { FakeSocket, json } from './fake-sidecar';
import { mountWidget, untilShown, useWidgetTests, type FakeSidecar } from './harness';

useWidgetTests();

let sidecar: FakeSidecar;
let host: HTMLElement;

function mount(attrs: Record<string, string>, opts: Parameters<typeof mountWidget>[1] = {}) {
  ({ sidecar, host } = mountWidget({ service: '1', employee: '2', ...attrs }, opts));
}
const root = () => host.shadowRoot!;
const $ = <T extends Element = HTMLElement>(sel: string) => root().querySelector<T & HTMLElement>(sel);
const $$ = (sel: string) => [...root().querySelectorAll<HTMLElement>(sel)];
const slot = (time: string) => $$('button.ae-slot').find((b) => b.textContent === time);
const describedBy = (el: HTMLElement) => (el.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean).map((id) => root().getElementById(id)?.textContent);
const until = <T,>(fn: () => T) => untilShown(root, fn);

/** A business in Berlin: its settings, and its times' UTC instants (09:00 is 08:00 UTC in winter, 07:00 in summer). */
function berlin() {
  return (m: string, p: string, _b: unknown, q?: URLSearchParams) => {
    if (m === 'GET' && p === '/settings') return json(200, { timezone: 'Europe/Berlin', slotInterval: 30, minNoticeMinutes: 0, maxAdvanceDays: 60, lockTtlSeconds: 600 });
    if (m === 'GET' && p === '/availability' && q) {
      const date = q.get('date')!;
      const slots = ['09:00', '09:30', '10:00', '10:30'].map((time) => ({
        time,
        start: DateTime.fromISO(`${date}T${time}`, { zone: 'Europe/Berlin' }).toUTC().toISO(),
        status: 'available',
      }));
      return json(200, { date, employeeId: 2, serviceId: 1, timezone: 'Europe/Berlin', slots: sidecar.freeDay(2) === date ? slots : [], unavailable: [] });
    }
    return undefined;
  };
}

describe('time zones', () => {
  it('names the business zone by its city for every visitor, even one in the same zone', async () => {
    mount({});
    await until(() => slot('09:00'));
    expect($('.ae-zone')!.textContent).toContain('Times are in UTC time.');
    // Same clock: nothing to switch.
    expect($('.ae-toggle')).toBeNull();
  });

  it('a visitor elsewhere (this process runs in UTC) can show the times on their own clock; booking stays on the business clock', async () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('UTC');
    mount({}, { override: berlin() });
    await until(() => slot('09:00'));
    expect($('.ae-zone p')!.textContent).toBe('Times are in Berlin time.');
    const toggle = $('.ae-toggle')!;
    expect(toggle.textContent).toBe('Show in my time (UTC)');
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    toggle.click();
    await until(() => $('.ae-toggle')!.getAttribute('aria-pressed') === 'true');
    expect($('.ae-zone p')!.textContent).toBe('Times are shown in your time (UTC). The appointment is made in Berlin time.');
    // Berlin's 10:00 on the visitor's UTC clock, whatever the season: luxon says which.
    const mine = DateTime.fromISO(`${sidecar.freeDay(2)}T10:00`, { zone: 'Europe/Berlin' }).toUTC().toFormat('HH:mm');
    const b = $$('button.ae-slot').find((x) => x.dataset.time === '10:00')!;
    expect(b.textContent).toBe(mine);
    expect(describedBy(b)).toEqual(['10:00 Berlin time']);
    b.click();
    await until(() => root().querySelector('h2')?.textContent === 'Your details');
    expect(sidecar.calls.find((c) => c.method === 'POST' && c.path === '/locks')!.body.time).toBe('10:00');
    // The summary names both clocks.
    expect($('.ae-when')!.textContent).toContain(`10:00 Berlin time · ${mine} your time (UTC)`);
  });
});

describe('what a time button means', () => {
  it('booked and held times stay, disabled, with a reason in their description (the name stays the time)', async () => {
    mount({});
    await until(() => slot('09:00'));
    sidecar.lockByOther(sidecar.freeDay(2), '09:30');
    sidecar.booked.add(`${sidecar.freeDay(2)}|10:00|2`);
    const ws = FakeSocket.all[0]!;
    ws.open();
    ws.receive({ type: 'slot_locked', date: sidecar.freeDay(2), time: '09:30', times: ['09:30'], employeeId: 2 });
    ws.receive({ type: 'slot_booked', date: sidecar.freeDay(2), time: '10:00', times: ['10:00'], employeeId: 2 });
    await until(() => slot('10:00')!.getAttribute('aria-disabled') === 'true' && slot('09:30')!.getAttribute('aria-disabled') === 'true');
    expect(describedBy(slot('09:30')!)).toEqual(['being booked by someone else']);
    expect(describedBy(slot('10:00')!)).toEqual(['taken']);
    expect(slot('09:00')!.getAttribute('aria-describedby')).toBeNull();
    // Freed: it comes back live, without its reason.
    sidecar.locks.clear();
    ws.receive({ type: 'slot_unlocked', date: sidecar.freeDay(2), time: '09:30', times: ['09:30'], employeeId: 2, reason: 'expired' });
    await until(() => slot('09:30')!.getAttribute('aria-disabled') === null);
    expect(slot('09:30')!.getAttribute('aria-describedby')).toBeNull();
  });

  it('times that can never be booked (past, or inside the minimum notice) are not shown', async () => {
    // A fixed clock (Date only; timers stay real): 10:00 UTC on a day the test controls.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2030-06-10T10:00:00Z') });
    const slots = [
      { time: '09:00', status: 'unavailable' }, // past
      { time: '10:30', status: 'unavailable' }, // inside the 2 h notice
      { time: '11:30', status: 'booked' }, // inside the notice: never bookable, even if that booking goes
      { time: '13:00', status: 'booked' }, // beyond it: could free up
      { time: '14:00', status: 'available' },
    ].map((s) => ({ ...s, start: `2030-06-10T${s.time}:00.000Z` }));
    mount({}, {
      freeInDays: [0],
      override: (m, p) => {
        if (m === 'GET' && p === '/settings') return json(200, { timezone: 'UTC', slotInterval: 30, minNoticeMinutes: 120, maxAdvanceDays: 60, lockTtlSeconds: 600 });
        if (m === 'GET' && p === '/availability') return json(200, { date: '2030-06-10', employeeId: 2, serviceId: 1, timezone: 'UTC', slots, unavailable: [] });
        return undefined;
      },
    });
    await until(() => slot('14:00'));
    expect($$('button.ae-slot').map((b) => b.textContent)).toEqual(['13:00', '14:00']);
    expect(describedBy(slot('13:00')!)).toEqual(['taken']);
  });
});

describe('the month grid (WAI-ARIA APG date picker)', () => {
  const focusedDay = () => (root().activeElement as HTMLElement | null)?.dataset.day;
  const key = (k: string, shift = false) => {
    (root().activeElement as HTMLElement).dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey: shift, bubbles: true, cancelable: true }));
    return new Promise((r) => setTimeout(r, 0));
  };

  it('is one tab stop; arrows, Home/End and Page Up/Down move focus; Enter chooses', async () => {
    mount({}, { freeInDays: [3, 10] });
    await until(() => slot('09:00'));
    const first = sidecar.freeDay(3);
    const stops = $$('button.ae-day').filter((b) => b.tabIndex === 0);
    expect(stops.map((b) => b.dataset.day)).toEqual([first]);
    expect($('table[role="grid"]')!.getAttribute('aria-labelledby')).toBe('ae-month-label');
    // Nothing took focus on load; the visitor tabs in.
    expect(root().activeElement).toBeNull();
    stops[0]!.focus();
    await key('ArrowRight');
    expect(focusedDay()).toBe(addDays(first, 1));
    await key('ArrowDown');
    expect(focusedDay()).toBe(addDays(first, 8));
    await key('ArrowLeft');
    await key('ArrowUp');
    expect(focusedDay()).toBe(first);
    // Only the focused day is a tab stop.
    expect($$('button.ae-day').filter((b) => b.tabIndex === 0).map((b) => b.dataset.day)).toEqual([first]);
    await key('Home');
    const weekday = new Date(`${focusedDay()}T00:00:00Z`).getUTCDay();
    expect(weekday).toBe(0); // English (US) weeks start on Sunday
    await key('End');
    expect(new Date(`${focusedDay()}T00:00:00Z`).getUTCDay()).toBe(6);
    const before = focusedDay()!;
    await key('PageDown');
    await until(() => focusedDay() === addMonthsToDay(before, 1));
    expect($('#ae-month-label')!.textContent).toContain(new Intl.DateTimeFormat('en', { month: 'long', timeZone: 'UTC' }).format(new Date(`${addMonthsToDay(before, 1)}T00:00:00Z`)));
    await key('PageUp');
    await until(() => focusedDay() === before);
    // Moving focus does not choose a day: the times still show the first one.
    expect($('td[aria-selected="true"] button')!.dataset.day).toBe(first);
    // Walk to the other free day and choose it with Enter (a button's click).
    const target = sidecar.freeDay(10);
    $$('button.ae-day').find((b) => b.dataset.day === focusedDay())!.blur();
    $$('button.ae-day').find((b) => b.dataset.day === first)!.focus();
    for (let i = 0; i < 7; i++) await key('ArrowRight');
    await until(() => focusedDay() === target);
    (root().activeElement as HTMLButtonElement).click();
    await until(() => $('td[aria-selected="true"] button')?.dataset.day === target);
  }, 20_000);

  it('a day without free times can be focused but not chosen', async () => {
    mount({}, { freeInDays: [3] });
    await until(() => slot('09:00'));
    const empty = $$('button.ae-day').find((b) => b.getAttribute('aria-disabled') === 'true' && b.dataset.day! > sidecar.today)!;
    expect(empty.getAttribute('aria-label')).toMatch(/, no free times$/);
    const calls = sidecar.calls.length;
    empty.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(sidecar.calls.length).toBe(calls);
    expect($('td[aria-selected="true"] button')!.dataset.day).toBe(sidecar.freeDay(3));
    const free = $('td[aria-selected="true"] button')!;
    expect(free.getAttribute('aria-label')).toMatch(/, 4 free times$/);
  });

  it('right to left, the arrows are mirrored', async () => {
    mount({ locale: 'ar' }, { freeInDays: [3] });
    await until(() => slot('09:00'));
    const first = sidecar.freeDay(3);
    $$('button.ae-day').find((b) => b.tabIndex === 0)!.focus();
    await key('ArrowLeft');
    expect(focusedDay()).toBe(addDays(first, 1));
    await key('ArrowRight');
    expect(focusedDay()).toBe(first);
  });
});
