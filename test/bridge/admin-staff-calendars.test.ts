// @vitest-environment happy-dom
// The staff page's calendar parts (CONTRACT §13), rendered with Preact in happy-dom against an
// in-memory admin API through the bundle's own Api class: the busy calendars' last sync and
// error in the list, the three URL fields saved with the record (a refused one shows the
// sidecar's 422), and the feed address shown, copied and replaced.
import { h, render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../../wp-bridge/admin-src/src/api.js';
import { StaffPage } from '../../wp-bridge/admin-src/src/pages/staff.js';
import { SIDECAR, TOKEN_URL } from './fake-admin-api.js';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function fakeSidecar() {
  const state = {
    staff: [
      {
        id: 1,
        name: 'Ana',
        email: 'ana@example.com',
        phone: '',
        active: true,
        serviceIds: [],
        workingHours: { mon: [{ start: '09:00', end: '17:00' }] },
        busyCalendars: ['https://calendar.google.com/calendar/ical/ana%40example.com/private-abc/basic.ics', 'https://outlook.office365.com/owa/calendar/x/y/calendar.ics'],
        calendarSync: [
          { url: 'https://calendar.google.com/calendar/ical/ana%40example.com/private-abc/basic.ics', lastSyncAt: '2026-12-05T14:00:00.000Z', lastAttemptAt: '2026-12-05T14:05:00.000Z', lastChangeAt: null, busyIntervals: 12, lastError: { code: 'timeout', message: 'no complete answer within 15000 ms', at: '2026-12-05T14:05:00.000Z' }, warning: null },
          { url: 'https://outlook.office365.com/owa/calendar/x/y/calendar.ics', lastSyncAt: null, lastAttemptAt: null, lastChangeAt: null, busyIntervals: null, lastError: null, warning: null },
        ],
      },
    ] as any[],
    feed: 1,
    requests: [] as Array<{ method: string; path: string; body: any }>,
  };
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    if (url === TOKEN_URL) return json(200, { token: 't', expiresAt: new Date(Date.now() + 600_000).toISOString() });
    const path = url.slice(`${SIDECAR}/appointease/v1`.length);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    state.requests.push({ method, path, body });
    if (path === '/admin/staff' && method === 'GET') return json(200, { staff: state.staff });
    if (path === '/admin/services') return json(200, { services: [] });
    if (path === '/admin/staff/1' && method === 'PUT') {
      if (body.busyCalendars?.some((u: string) => u.startsWith('http://10.'))) {
        return json(422, { error: { code: 'invalid_calendar_url', message: 'busyCalendars.0: 10.0.0.5 is a private address' } });
      }
      Object.assign(state.staff[0], body);
      return json(200, { staff: state.staff[0] });
    }
    if (path === '/admin/busy-calendars/sync' && method === 'POST') {
      state.staff[0].calendarSync[1] = { ...state.staff[0].calendarSync[1], lastSyncAt: '2026-12-05T15:00:00.000Z', lastAttemptAt: '2026-12-05T15:00:00.000Z', busyIntervals: 3 };
      return json(202, { requested: true });
    }
    if (path === '/admin/staff/1/calendar-feed') return json(200, { url: `${SIDECAR}/appointease/v1/feeds/token${state.feed}.ics` });
    if (path === '/admin/staff/1/calendar-feed/rotate' && method === 'POST') {
      state.feed++;
      return json(200, { url: `${SIDECAR}/appointease/v1/feeds/token${state.feed}.ics` });
    }
    return json(404, { error: { code: 'not_found', message: path } });
  };
  return { state, fetch };
}

let root: HTMLElement;
let sidecar: ReturnType<typeof fakeSidecar>;
let copied: string[];
beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
  sidecar = fakeSidecar();
  copied = [];
  vi.stubGlobal('fetch', sidecar.fetch);
  vi.stubGlobal('confirm', () => true);
  Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (t: string) => void copied.push(t) }, configurable: true });
  render(h(StaffPage, { api: new Api({ sidecarUrl: SIDECAR, tokenUrl: TOKEN_URL, nonce: 'n', adminUrl: 'http://wp.test/wp-admin/admin.php', locale: 'en-US' }) }), root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
});

const text = () => root.textContent ?? '';
const until = <T>(fn: () => T, what: string) =>
  vi.waitFor(
    () => {
      const v = fn();
      if (!v) throw new Error(`not yet (${what}); page shows: ${text().slice(0, 600)}`);
      return v;
    },
    { timeout: 2000, interval: 5 },
  );
const button = (label: string) => [...root.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.trim() === label);
const tick = () => new Promise((r) => setTimeout(r, 0));
const calendarField = (n: number) =>
  [...root.querySelectorAll<HTMLLabelElement>('label')].find((l) => l.textContent?.trim().startsWith(`Busy calendar ${n}`))!.querySelector<HTMLInputElement>('input')!;

describe('Staff page: calendars', () => {
  it('lists each busy calendar by host with its last sync, and the last error beside the copy still used', async () => {
    await until(() => text().includes('calendar.google.com'), 'list');
    const cell = root.querySelector('.appointease-busy-calendars')!;
    expect(cell.textContent).toContain('synced');
    expect(cell.textContent).toContain('Last attempt failed: no complete answer within 15000 ms timeout');
    expect(cell.textContent).toContain('(the last good copy is still used)');
    expect(cell.textContent).toContain('outlook.office365.com not synced yet');
    // The secret part of the address is not printed, only kept as the title.
    expect(cell.textContent).not.toContain('private-abc');
  });

  it('asks for a sync now, says so, and shows the new sync times as they come', async () => {
    await until(() => text().includes('outlook.office365.com not synced yet'), 'list');
    button('Sync busy calendars now')!.click();
    await until(() => text().includes('Sync asked for'), 'the notice');
    expect(sidecar.state.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/admin/busy-calendars/sync']);
    // The list is fetched again after a moment (a run takes seconds) and shows the new sync.
    await vi.waitFor(() => expect(root.querySelector('.appointease-busy-calendars')!.textContent).not.toContain('not synced yet'), { timeout: 4_000, interval: 50 });
  });

  it('offers no sync when nobody has a busy calendar', async () => {
    render(null, root);
    sidecar.state.staff[0].busyCalendars = [];
    sidecar.state.staff[0].calendarSync = [];
    render(h(StaffPage, { api: new Api({ sidecarUrl: SIDECAR, tokenUrl: TOKEN_URL, nonce: 'n', adminUrl: 'http://wp.test/wp-admin/admin.php', locale: 'en-US' }) }), root);
    await until(() => text().includes('Ana'), 'list');
    expect(button('Sync busy calendars now')).toBeUndefined();
  });

  it('saves the URL fields with the record and shows a refused one', async () => {
    await until(() => button('Edit'), 'edit');
    button('Edit')!.click();
    await until(() => root.querySelector('form'), 'form');
    expect([1, 2, 3].map((n) => calendarField(n).value)).toEqual([...sidecar.state.staff[0].busyCalendars, '']);
    calendarField(3).value = 'http://10.0.0.5/cal.ics';
    calendarField(3).dispatchEvent(new Event('input', { bubbles: true }));
    await tick();
    root.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await until(() => text().includes('private address'), 'refusal');
    for (const [n, value] of [[3, ''], [1, ' https://example.com/a.ics ']] as const) {
      calendarField(n).value = value;
      calendarField(n).dispatchEvent(new Event('input', { bubbles: true }));
      await tick();
    }
    root.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await until(() => !root.querySelector('form'), 'saved');
    const put = sidecar.state.requests.filter((r) => r.method === 'PUT').pop()!;
    expect(put.body.busyCalendars).toEqual(['https://example.com/a.ics', 'https://outlook.office365.com/owa/calendar/x/y/calendar.ics']);
  });

  it('shows the feed address on request, copies it, and replaces it', async () => {
    await until(() => button('Edit'), 'edit');
    button('Edit')!.click();
    await until(() => button('Show feed address'), 'feed button');
    button('Show feed address')!.click();
    const field = await until(() => root.querySelector<HTMLInputElement>('input[aria-label="Feed address"]'), 'feed field');
    expect(field.value).toBe(`${SIDECAR}/appointease/v1/feeds/token1.ics`);
    button('Copy')!.click();
    await until(() => button('Copied'), 'copied');
    expect(copied).toEqual([`${SIDECAR}/appointease/v1/feeds/token1.ics`]);
    button('New address')!.click();
    await until(() => text().includes('the old one no longer works'), 'rotated');
    expect(root.querySelector<HTMLInputElement>('input[aria-label="Feed address"]')!.value).toBe(`${SIDECAR}/appointease/v1/feeds/token2.ics`);
    expect(sidecar.state.requests.map((r) => `${r.method} ${r.path}`)).toContain('POST /admin/staff/1/calendar-feed/rotate');
  });
});
