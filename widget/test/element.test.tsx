// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { FakeSocket, json } from './fake-sidecar';
import { mountWidget, untilShown, useWidgetTests, type FakeSidecar } from './harness';

useWidgetTests();

let sidecar: FakeSidecar;
let host: HTMLElement;

function mount(attrs: Record<string, string>, opts: Parameters<typeof mountWidget>[1] = {}) {
  ({ sidecar, host } = mountWidget(attrs, opts));
  return host;
}

const root = () => host.shadowRoot!;
const $$ = (sel: string) => [...root().querySelectorAll<HTMLElement>(sel)];
// Visible text without aria-hidden decoration (like the arrow of "← Back").
const textOf = (e: Element): string =>
  [...e.childNodes].map((n): string => (n.nodeType === 1 ? ((n as Element).getAttribute('aria-hidden') === 'true' ? '' : textOf(n as Element)) : (n.textContent ?? ""))).join('');
const byText = (sel: string, text: string) => $$(sel).find((e) => textOf(e).trim() === text);
const button = (text: string) => byText('button', text);
const heading = () => root().querySelector('h2')?.textContent;
const until = <T,>(fn: () => T) => untilShown(root, fn);

// Like typing: the value lands, then the widget renders before the next action.
async function fill(label: string, value: string) {
  const l = byText('label', label)!;
  const input = root().getElementById(l.getAttribute('for')!) as HTMLInputElement;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((r) => setTimeout(r, 0));
  return input;
}

function submit(text: string) {
  const b = button(text)!;
  // happy-dom's implicit submission is incomplete: dispatch submit on the form directly.
  const form = b.closest('form');
  if (form && b.getAttribute('type') === 'submit') form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  else b.click();
}

/** Hold 09:00, give name and email, send the code: the verify step. */
async function toVerifyStep() {
  (await until(() => button('09:00'))).click();
  await until(() => heading() === 'Your details');
  await fill('Name', 'Ada');
  await fill('Email', 'ada@example.com');
  submit('Send code');
  await until(() => heading() === 'Confirm your booking');
}

describe('<appointease-booking>', () => {
  it('renders in an open shadow root and opens on the first day with a free time', async () => {
    mount({ service: '1', employee: '2' }, { freeInDays: [3, 5] });
    expect(host.shadowRoot).not.toBeNull();
    await until(() => button('09:00'));
    expect(heading()).toBe('Choose a date and time');
    const selected = $$('td[aria-selected="true"] button.ae-day');
    expect(selected).toHaveLength(1);
    expect(selected[0]!.textContent).toBe(String(Number(sidecar.freeDay(3).slice(8))));
    // Days without free times cannot be chosen; they stay focusable for the arrow keys (APG grid).
    const today = $$('button.ae-day').find((b) => b.textContent === String(Number(sidecar.today.slice(8))));
    expect(today?.getAttribute('aria-disabled')).toBe('true');
    // Nothing on the host page took focus on load.
    expect(root().activeElement).toBeNull();
  });

  it('books end to end: hold, details, code, confirm, reference and calendar file', async () => {
    mount({ service: '1', employee: '2' });
    const day = sidecar.freeDay(2);
    (await until(() => button('09:00'))).click();
    await until(() => heading() === 'Your details');
    expect(sidecar.calls.find((c) => c.method === 'POST' && c.path === '/locks')!.body).toEqual({ date: day, time: '09:00', employeeId: 2, serviceId: 1 });
    // Focus moved to the new step's heading; the hold's countdown is visible.
    await until(() => root().activeElement?.textContent === 'Your details');
    expect(root().querySelector('[role="timer"]')!.textContent).toMatch(/(10:00|9:5\d)/);

    await fill('Name', 'Ada Lovelace');
    await fill('Email', 'ada@example.com');
    await fill('Phone', '+49 30 1234');
    submit('Send code');
    await until(() => heading() === 'Confirm your booking');
    expect(sidecar.calls.find((c) => c.path === '/otp')!.body).toEqual({ email: 'ada@example.com' });

    await fill('Verification code', sidecar.code);
    submit('Confirm booking');
    await until(() => heading() === 'Your booking is confirmed');
    const booking = sidecar.calls.find((c) => c.method === 'POST' && c.path === '/appointments')!;
    expect(booking.headers.Authorization).toBe('Bearer sess-1');
    expect(booking.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(booking.body).toMatchObject({ lockToken: 'tok-1', date: day, time: '09:00', employeeId: 2, name: 'Ada Lovelace', phone: '+49 30 1234' });
    expect(root().textContent).toContain('APT-2025-000001');
    const ics = byText('a', 'Add to calendar') as HTMLAnchorElement;
    expect(ics.getAttribute('download')).toBe('APT-2025-000001.ics');
    expect(decodeURIComponent(ics.getAttribute('href')!)).toContain(`DTSTART:${day.replace(/-/g, '')}T090000Z`);
    // The booking consumed the lock: no release was sent.
    expect(sidecar.calls.some((c) => c.method === 'DELETE' && c.path === '/locks')).toBe(false);
  });

  it('a wrong code is explained and can be corrected', async () => {
    mount({ service: '1', employee: '2' });
    await toVerifyStep();
    const input = await fill('Verification code', '000000');
    submit('Confirm booking');
    await until(() => input.getAttribute('aria-invalid') === 'true');
    expect(root().textContent).toContain('That code is wrong or has expired');
    await fill('Verification code', sidecar.code);
    submit('Confirm booking');
    await until(() => heading() === 'Your booking is confirmed');
  });

  it('validates the details before sending a code', async () => {
    mount({ service: '1', employee: '2' });
    (await until(() => button('09:00'))).click();
    await until(() => heading() === 'Your details');
    await fill('Email', 'not-an-email');
    submit('Send code');
    await until(() => root().textContent!.includes('Please enter your name.'));
    expect(root().textContent).toContain('Please enter a valid email address');
    expect(sidecar.calls.some((c) => c.path === '/otp')).toBe(false);
  });

  it('going back releases the hold', async () => {
    mount({ service: '1', employee: '2' });
    (await until(() => button('10:00'))).click();
    await until(() => heading() === 'Your details');
    button('Back')!.click();
    await until(() => button('10:00'));
    await until(() => sidecar.calls.find((c) => c.method === 'DELETE' && c.path === '/locks'));
    const del = sidecar.calls.find((c) => c.method === 'DELETE' && c.path === '/locks')!;
    expect(del.body).toEqual({ date: sidecar.freeDay(2), time: '10:00', employeeId: 2, lockToken: 'tok-1' });
  });

  it('leaving the page releases the hold with keepalive', async () => {
    mount({ service: '1', employee: '2' });
    const spy = vi.fn(sidecar.fetch);
    vi.stubGlobal('fetch', spy);
    (await until(() => button('10:00'))).click();
    await until(() => heading() === 'Your details');
    window.dispatchEvent(new Event('pagehide'));
    const call = spy.mock.calls.find(([, init]) => init?.method === 'DELETE');
    expect(call?.[1]?.keepalive).toBe(true);
  });

  it('a slot taken meanwhile is explained with the way back to the times', async () => {
    mount({ service: '1', employee: '2' }, {
      override: (m, p) => (m === 'POST' && p === '/appointments' ? json(409, { error: { code: 'slot_taken', message: 'x' } }) : undefined),
    });
    await toVerifyStep();
    await fill('Verification code', sidecar.code);
    submit('Confirm booking');
    await until(() => root().querySelector('[role="alert"]')?.textContent?.includes('Someone else has just booked this time'));
    button('Choose a time again')!.click();
    await until(() => heading() === 'Choose a date and time');
    // The session survives: the next attempt needs no new code.
    expect(sessionStorage.length).toBe(1);
  });

  it('when the hold runs out, the visitor is told and can choose again', async () => {
    mount({ service: '1', employee: '2' }, {
      override: (m, p, b) =>
        m === 'POST' && p === '/locks'
          ? json(201, { lockToken: 'short', ...b, times: [b.time], expiresAt: new Date(Date.now() + 1000).toISOString(), ttlSeconds: 1 })
          : undefined,
    });
    (await until(() => button('09:00'))).click();
    await until(() => heading() === 'Your details');
    await vi.waitFor(() => {
      if (!root().textContent!.includes('Your hold on this time has ended.')) throw new Error('still held');
    }, { timeout: 5000, interval: 50 });
    button('Choose a time again')!.click();
    await until(() => heading() === 'Choose a date and time');
  });

  it('too many wrong codes: explained, with a button that sends a new code', async () => {
    mount({ service: '1', employee: '2' }, {
      override: (_m, p) => (p === '/otp/verify' ? json(429, { error: { code: 'too_many_attempts', message: 'x' } }) : undefined),
    });
    await toVerifyStep();
    await fill('Verification code', '999999');
    submit('Confirm booking');
    await until(() => root().textContent!.includes('Too many wrong codes. Please send a new code.'));
    const sends = () => sidecar.calls.filter((c) => c.path === '/otp').length;
    expect(sends()).toBe(1);
    $$('[role="alert"] button').find((b) => b.textContent === 'Send a new code')!.click();
    await until(() => sends() === 2);
  });

  it('an expired session while booking asks for a new code instead of failing', async () => {
    mount({ service: '1', employee: '2' }, {
      override: (m, p) => (m === 'POST' && p === '/appointments' ? json(401, { error: { code: 'unauthorized', message: 'x' } }) : undefined),
    });
    sessionStorage.setItem('appointease:http://sidecar.test', JSON.stringify({ sessionToken: 'old', email: 'ada@example.com', expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
    (await until(() => button('09:00'))).click();
    await until(() => heading() === 'Your details');
    await fill('Name', 'Ada');
    await fill('Email', 'ADA@example.com');
    // A session for this email exists: no code is mailed, the button says so.
    submit('Continue');
    await until(() => heading() === 'Confirm your booking');
    expect(byText('label', 'Verification code')).toBeUndefined();
    submit('Confirm booking');
    await until(() => byText('label', 'Verification code'));
    expect(root().textContent).toContain('Your email confirmation has expired');
    expect(sessionStorage.getItem('appointease:http://sidecar.test')).toBeNull();
  });

  it('rate limiting says how long to wait', async () => {
    mount({ service: '1', employee: '2' }, {
      override: (m, p) => (p === '/otp' ? json(429, { error: { code: 'rate_limited', message: 'x' } }, { 'Retry-After': '120' }) : undefined),
    });
    (await until(() => button('09:00'))).click();
    await until(() => heading() === 'Your details');
    await fill('Name', 'Ada');
    await fill('Email', 'ada@example.com');
    submit('Send code');
    await until(() => root().textContent!.includes('Please wait 120 seconds'));
  });

  it('live: a hold by someone else disables the time at once and is announced', async () => {
    mount({ service: '1', employee: '2' });
    await until(() => button('09:30'));
    const ws = FakeSocket.all[0]!;
    expect(ws.url).toBe('ws://sidecar.test/appointease/v1/ws');
    ws.open();
    const day = sidecar.freeDay(2);
    expect(ws.sent).toContainEqual({ type: 'subscribe', date: day, employeeId: 2 });
    sidecar.lockByOther(day, '09:30');
    ws.receive({ type: 'slot_locked', date: day, time: '09:30', times: ['09:30'], employeeId: 2, ts: Date.now() });
    await until(() => button('09:30')!.getAttribute('aria-disabled') === 'true');
    expect(button('09:00')!.getAttribute('aria-disabled')).toBeNull();
    await until(() => root().querySelector('[aria-live="polite"][role="status"]')!.textContent === '09:30 is no longer available.');
    // Release: the refetch after the event is the truth.
    sidecar.locks.clear();
    ws.receive({ type: 'slot_unlocked', date: day, time: '09:30', times: ['09:30'], employeeId: 2, reason: 'released', ts: Date.now() });
    await until(() => button('09:30')!.getAttribute('aria-disabled') === null);
  });

  it('a time taken between showing and clicking is explained, and the times refresh', async () => {
    mount({ service: '1', employee: '2' });
    await until(() => button('10:00'));
    // Someone else holds it, and no event reaches this widget (socket never opened).
    sidecar.lockByOther(sidecar.freeDay(2), '10:00');
    button('10:00')!.click();
    await until(() => root().querySelector('[role="alert"]')?.textContent?.includes('This time is no longer free'));
    expect(button('Try again')).toBeUndefined();
    await until(() => button('10:00')!.getAttribute('aria-disabled') === 'true');
    expect(heading()).toBe('Choose a date and time');
  });

  it('a disabled (taken) time cannot be held', async () => {
    mount({ service: '1', employee: '2' });
    sidecar.lockByOther(sidecar.freeDay(2), '09:00');
    await until(() => button('09:00')?.getAttribute('aria-disabled') === 'true');
    button('09:00')!.click();
    expect(sidecar.calls.some((c) => c.path === '/locks')).toBe(false);
  });

  it('polls every 15 s while the socket is down, and refetches after reconnecting', async () => {
    vi.useFakeTimers({ toFake: ['setInterval'] });
    mount({ service: '1', employee: '2' });
    await until(() => button('09:00'));
    const ws = FakeSocket.all[0]!;
    ws.open();
    ws.drop();
    await until(() => root().textContent!.includes('Live updates paused'));
    const count = () => sidecar.calls.filter((c) => c.path.startsWith('/availability?')).length;
    const before = count();
    sidecar.lockByOther(sidecar.freeDay(2), '10:00');
    vi.advanceTimersByTime(15_000);
    await until(() => count() > before);
    await until(() => button('10:00')!.getAttribute('aria-disabled') === 'true');
  });

  it('any available: one row of times, and the hold goes to whoever is free', async () => {
    mount({ service: '1' }, { staff: [{ id: 2, name: 'Bea' }, { id: 3, name: 'Cem' }] });
    await until(() => heading() === 'Choose who you would like to see');
    button('Any available')!.click();
    await until(() => button('09:00'));
    sidecar.lockByOther(sidecar.freeDay(2), '09:00', 2);
    const ws = FakeSocket.all[0]!;
    ws.open();
    expect(ws.sent.filter((m) => m.type === 'subscribe').map((m) => m.employeeId).sort()).toEqual([2, 3]);
    ws.receive({ type: 'slot_locked', date: sidecar.freeDay(2), time: '09:00', times: ['09:00'], employeeId: 2 });
    await new Promise((r) => setTimeout(r, 0)); // let Preact render the event
    // Cem is still free at 09:00, so it stays bookable.
    expect(button('09:00')!.getAttribute('aria-disabled')).toBeNull();
    button('09:00')!.click();
    await until(() => heading() === 'Your details');
    expect(sidecar.calls.filter((c) => c.path === '/locks').map((c) => c.body.employeeId)).toEqual([3]);
    expect(root().textContent).toContain('with Cem');
  });

  it('manage: verify by code, list, cancel', async () => {
    mount({ service: '1', employee: '2' });
    await until(() => button('Manage my bookings'));
    sidecar.appointments.push({
      id: 9, reference: 'APT-2025-000009', date: sidecar.freeDay(2), time: '10:30', endTime: '11:00',
      start: `${sidecar.freeDay(2)}T10:30:00.000Z`, end: `${sidecar.freeDay(2)}T11:00:00.000Z`, employeeId: 2, serviceId: 1, status: 'confirmed', name: 'Ada', email: 'ada@example.com',
    });
    button('Manage my bookings')!.click();
    await until(() => heading() === 'My bookings');
    await fill('Email', 'ada@example.com');
    submit('Send code');
    await until(() => byText('label', 'Verification code'));
    await fill('Verification code', sidecar.code);
    submit('Show my bookings');
    await until(() => root().textContent!.includes('APT-2025-000009'));
    button('Cancel booking')!.click();
    (await until(() => button('Yes, cancel'))).click();
    await until(() => root().textContent!.includes('Cancelled'));
    expect(sidecar.calls.some((c) => c.method === 'DELETE' && c.path === '/appointments/APT-2025-000009')).toBe(true);
  });

  it('reschedule: same date flow, then PATCH with the new hold', async () => {
    mount({ service: '1', employee: '2' });
    await until(() => button('09:00'));
    sessionStorage.setItem('appointease:http://sidecar.test', JSON.stringify({ sessionToken: 'sess-1', email: 'ada@example.com', expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
    sidecar.appointments.push({
      id: 9, reference: 'APT-2025-000009', date: sidecar.freeDay(2), time: '10:30', endTime: '11:00',
      start: `${sidecar.freeDay(2)}T10:30:00.000Z`, end: `${sidecar.freeDay(2)}T11:00:00.000Z`, employeeId: 2, serviceId: 1, status: 'confirmed', name: 'Ada', email: 'ada@example.com',
    });
    sidecar.booked.add(`${sidecar.freeDay(2)}|10:30|2`);
    button('Manage my bookings')!.click();
    (await until(() => button('Change time'))).click();
    await until(() => heading() === 'Choose a date and time');
    (await until(() => button('09:30'))).click();
    await until(() => heading() === 'Confirm the new time');
    button('Confirm new time')!.click();
    await until(() => heading() === 'Your booking has been moved');
    const patch = sidecar.calls.find((c) => c.method === 'PATCH')!;
    expect(patch.path).toBe('/appointments/APT-2025-000009');
    expect(patch.body).toEqual({ lockToken: 'tok-1', date: sidecar.freeDay(2), time: '09:30', employeeId: 2 });
  });

  it('German by locale attribute (WordPress form)', async () => {
    mount({ service: '1', employee: '2', locale: 'de_DE' });
    await until(() => button('09:00'));
    expect(heading()).toBe('Datum und Uhrzeit wählen');
    expect(root().querySelector('.ae')!.getAttribute('lang')).toBe('de-DE');
  });

  it('bad attributes: a console warning and a friendly message, nothing thrown', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    mount({ service: 'haircut', api: 'ftp://x' });
    expect(root().textContent).toContain('Booking is not available here right now');
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/service="haircut"[\s\S]*api="ftp:\/\/x"|api="ftp:\/\/x"[\s\S]*service="haircut"/);
    expect(sidecar.calls).toHaveLength(0);
  });

  it('an untranslated locale falls back to English with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    mount({ service: '1', employee: '2', locale: 'sv_SE' });
    await until(() => button('09:00'));
    expect(heading()).toBe('Choose a date and time');
    expect(String(warn.mock.calls[0]?.[0])).toContain('sv_SE');
    expect(sidecar.calls.some((c) => c.path.startsWith('/widget/'))).toBe(false);
  });

  it('French for fr_FR: its strings come as one file beside the widget, loaded once', async () => {
    mount({ service: '1', employee: '2', locale: 'fr_FR' });
    await until(() => button('09:00'));
    expect(heading()).toBe('Choisissez une date et une heure');
    const files = sidecar.calls.filter((c) => c.path.startsWith('/widget/'));
    expect(files.map((c) => c.path)).toEqual([expect.stringMatching(/^\/widget\/i18n\/fr\.[0-9a-f]{10}\.json$/)]);
    expect(root().querySelector('.ae')!.getAttribute('lang')).toBe('fr-FR');
  });

  it('Arabic is laid out right to left', async () => {
    mount({ service: '1', employee: '2', locale: 'ar' });
    await until(() => button('09:00'));
    expect(root().querySelector('.ae')!.getAttribute('dir')).toBe('rtl');
    expect(heading()).toBe('اختر التاريخ والوقت');
  });

  it('a translation that cannot be loaded leaves the widget in English, with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    mount({ service: '1', employee: '2', locale: 'it_IT' }, { override: (_m, p) => (p.startsWith('/widget/') ? json(404, {}) : undefined) });
    await until(() => button('09:00'));
    expect(heading()).toBe('Choose a date and time');
    expect(root().querySelector('.ae')!.getAttribute('lang')).toBe('en');
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toContain('could not load the it strings');
  });

  it('an unknown service id is reported and explained', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    mount({ service: '99' });
    await until(() => root().textContent!.includes('cannot be booked online'));
    expect(warn).toHaveBeenCalled();
  });

  it('an unreachable sidecar shows a retry', async () => {
    mount({ service: '1', employee: '2' });
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    host.setAttribute('employee', '2 '); // re-render with the failing network
    host.remove();
    document.body.append(host);
    await until(() => root().textContent!.includes('We cannot reach the booking service'));
    vi.stubGlobal('fetch', sidecar.fetch);
    button('Try again')!.click();
    await until(() => button('09:00'));
  });
});
