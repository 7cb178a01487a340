// @vitest-environment happy-dom
// The Webhooks page and the reminder offsets on the Settings page (CONTRACT §12), rendered
// with Preact in happy-dom against an in-memory admin API (fake-admin-api.ts) through the
// bundle's own Api class. What a real WordPress and sidecar add (the menu, the token route,
// a delivery that really happens) is test/e2e/wordpress-webhooks.test.ts.
import { h, render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../../wp-bridge/admin-src/src/api.js';
import { BusinessSettingsPage, remindersBody, toReminderDrafts } from '../../wp-bridge/admin-src/src/pages/business-settings.js';
import { WebhooksPage, webhookBody } from '../../wp-bridge/admin-src/src/pages/webhooks.js';
import { WEBHOOK_EVENTS } from '../../wp-bridge/admin-src/src/types.js';
import { WEBHOOK_EVENT_TYPES } from '../../server/src/webhooks/webhook-event.js';
import { SIDECAR, TOKEN_URL, fakeAdminApi, type FakeDelivery } from './fake-admin-api.js';

let root: HTMLElement;
let sidecar: ReturnType<typeof fakeAdminApi>;

function mount(page: typeof WebhooksPage | typeof BusinessSettingsPage, options: Parameters<typeof fakeAdminApi>[0] = {}) {
  sidecar = fakeAdminApi(options);
  vi.stubGlobal('fetch', sidecar.fetch);
  const api = new Api({ sidecarUrl: SIDECAR, tokenUrl: TOKEN_URL, nonce: 'n', adminUrl: 'http://wp.test/wp-admin/admin.php', locale: 'en-US' });
  render(h(page, { api }), root);
}

beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
  vi.stubGlobal('confirm', () => true);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
});

const $$ = <E extends Element = HTMLElement>(sel: string) => [...root.querySelectorAll<E>(sel)] as E[];
const text = () => root.textContent ?? '';
const until = <T>(fn: () => T, what = 'condition') =>
  vi.waitFor(
    () => {
      const v = fn();
      if (!v) throw new Error(`not yet (${what}); page shows: ${text().slice(0, 500)}`);
      return v;
    },
    { timeout: 2000, interval: 5 },
  );
const button = (label: string, within: ParentNode = root) => [...within.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.trim() === label);
const tick = () => new Promise((r) => setTimeout(r, 0));
function input(label: string): HTMLInputElement {
  const l = $$<HTMLLabelElement>('label').find((x) => x.textContent?.trim().startsWith(label));
  if (!l) throw new Error(`no field ${label}`);
  const id = l.getAttribute('for');
  return (id ? root.querySelector<HTMLInputElement>(`#${id}`) : l.querySelector('input'))!;
}
async function type(el: HTMLInputElement | HTMLSelectElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  await tick();
}
async function tickBox(label: string, checked: boolean) {
  const box = $$<HTMLLabelElement>('label')
    .find((x) => x.textContent?.includes(label))!
    .querySelector<HTMLInputElement>('input[type=checkbox]')!;
  if (box.checked !== checked) box.click();
  await tick();
}
function submit(label: string) {
  const b = button(label)!;
  b.closest('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
}
const rows = () => $$<HTMLTableRowElement>('tr[data-webhook]');

describe('Webhooks page', () => {
  it('offers exactly the events the sidecar knows', () => {
    expect([...WEBHOOK_EVENTS].sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
  });

  it('adds a webhook, shows its secret once, and lists it without the secret', async () => {
    mount(WebhooksPage);
    await until(() => text().includes('No webhooks yet.'), 'empty list');
    button('Add webhook')!.click();
    await tick();
    await type(input('Receiver URL'), ' https://hooks.example.com/appointease ');
    await tickBox('Rescheduled', false);
    submit('Save webhook');
    await until(() => rows().length === 1, 'listed');

    const post = sidecar.state.requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe('/admin/webhooks');
    expect(post.auth).toBe('Bearer fake-admin-jwt');
    // No secret typed: none sent, the sidecar makes one; no `active` on create (§12's body).
    expect(post.body).toEqual({ url: 'https://hooks.example.com/appointease', events: ['appointment.booked', 'appointment.cancelled'] });
    const secret = sidecar.state.webhooks[0]!.secret;
    const shown = root.querySelector<HTMLInputElement>('.appointease-webhook-secret input')!;
    expect(shown.value).toBe(secret);
    expect(shown.readOnly).toBe(true);
    expect(rows()[0]!.textContent).toContain('https://hooks.example.com/appointease');
    expect(rows()[0]!.textContent).toContain('Booked, Cancelled');
    expect(rows()[0]!.textContent).toContain('Active');

    // Dismissed, it is gone for good: the list never has it.
    button('Done')!.click();
    await tick();
    expect(text()).not.toContain(secret);
  });

  it('sends a chosen secret, and refuses a short one before asking the sidecar', async () => {
    mount(WebhooksPage);
    await until(() => button('Add webhook'));
    button('Add webhook')!.click();
    await tick();
    await type(input('Receiver URL'), 'https://hooks.example.com/x');
    await type(input('Signing secret (optional)'), 'too-short');
    submit('Save webhook');
    await until(() => text().includes('A secret needs at least 32 characters'), 'refusal');
    expect(sidecar.state.requests.filter((r) => r.method === 'POST')).toEqual([]);
    const chosen = 's'.repeat(40);
    await type(input('Signing secret (optional)'), chosen);
    submit('Save webhook');
    await until(() => rows().length === 1);
    expect(sidecar.state.requests.find((r) => r.method === 'POST')!.body).toMatchObject({ secret: chosen });
  });

  it('shows the sidecar’s refusal of a private address (422 invalid_webhook_url) and keeps the form', async () => {
    mount(WebhooksPage);
    await until(() => button('Add webhook'));
    button('Add webhook')!.click();
    await tick();
    await type(input('Receiver URL'), 'http://127.0.0.1:8080/hook');
    submit('Save webhook');
    await until(() => text().includes('The webhook URL is not allowed'), 'error notice');
    expect(root.querySelector('[role=alert]')).not.toBeNull();
    expect(button('Save webhook')).toBeDefined();
    expect(rows()).toHaveLength(0);
  });

  it('edits, pauses, resumes and deletes', async () => {
    mount(WebhooksPage);
    sidecar.state.webhooks.push({ id: 7, url: 'https://a.example.com/', events: ['appointment.booked'], active: true, secret: 'x'.repeat(32) });
    sidecar.state.deliveries.set(7, []);
    await until(() => rows().length === 1);

    button('Pause', rows()[0])!.click();
    await until(() => rows()[0]?.textContent?.includes('Paused'), 'paused');
    expect(sidecar.state.requests.filter((r) => r.method === 'PUT').at(-1)).toMatchObject({ path: '/admin/webhooks/7', body: { url: 'https://a.example.com/', events: ['appointment.booked'], active: false } });
    button('Resume', rows()[0])!.click();
    await until(() => rows()[0]?.textContent?.includes('Active'), 'resumed');
    expect(sidecar.state.webhooks[0]!.active).toBe(true);

    button('Edit', rows()[0])!.click();
    await tick();
    expect(input('Receiver URL').value).toBe('https://a.example.com/');
    // Editing has no secret field (the sidecar never shows it again) but an Active switch.
    expect(text()).not.toContain('Signing secret');
    await type(input('Receiver URL'), 'https://b.example.com/hook');
    await tickBox('Cancelled', true);
    await tickBox('Active', false);
    submit('Save webhook');
    await until(() => rows()[0]?.textContent?.includes('https://b.example.com/hook'), 'edited');
    expect(sidecar.state.requests.filter((r) => r.method === 'PUT').at(-1)!.body).toEqual({ url: 'https://b.example.com/hook', events: ['appointment.booked', 'appointment.cancelled'], active: false });
    expect(rows()[0]!.textContent).toContain('Paused');

    button('Delete', rows()[0])!.click();
    await until(() => text().includes('No webhooks yet.'), 'deleted');
    expect(sidecar.state.requests.at(-2)).toMatchObject({ method: 'DELETE', path: '/admin/webhooks/7' });
  });

  it('sends a test and says what the receiver answered, or why nothing arrived', async () => {
    mount(WebhooksPage);
    sidecar.state.webhooks.push({ id: 8, url: 'https://up.example.com/', events: ['appointment.booked'], active: true, secret: 'u'.repeat(32) });
    sidecar.state.webhooks.push({ id: 9, url: 'https://down.example.com/', events: ['appointment.booked'], active: false, secret: 'd'.repeat(32) });
    await until(() => rows().length === 2);
    button('Send test', rows()[0])!.click();
    await until(() => root.querySelector('.notice-success'), 'the test result');
    expect(root.querySelector('.notice-success')!.textContent).toBe('Test delivered to https://up.example.com/: HTTP 204 in 42 ms.');
    button('Send test', rows()[1])!.click();
    await until(() => root.querySelector('.notice-error'), 'the failed test');
    expect(root.querySelector('.notice-error')!.textContent).toBe('Test not delivered to https://down.example.com/: connect_failed: connection refused');
    expect(root.querySelector('.notice-success')).toBeNull();
    expect(sidecar.state.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/admin/webhooks/8/ping', '/admin/webhooks/9/ping']);
  });

  it('makes a new secret after asking: shown once, the old one’s day in the list, nothing else changed', async () => {
    const asked: string[] = [];
    mount(WebhooksPage);
    vi.stubGlobal('confirm', (q: string) => (asked.push(q), true));
    sidecar.state.webhooks.push({ id: 5, url: 'https://r.example.com/', events: ['appointment.booked'], active: true, secret: 'o'.repeat(32) });
    sidecar.state.deliveries.set(5, []);
    await until(() => rows().length === 1);
    expect(rows()[0]!.textContent).not.toContain('old secret');

    button('New secret', rows()[0])!.click();
    await until(() => root.querySelector('.appointease-webhook-secret'), 'the new secret shown');
    expect(asked).toEqual(['Make a new signing secret for https://r.example.com/? The current one keeps signing beside it for 24 hours.']);
    expect(sidecar.state.requests.filter((r) => r.method === 'POST')).toMatchObject([{ path: '/admin/webhooks/5/rotate-secret', body: {} }]);
    const shown = root.querySelector<HTMLInputElement>('.appointease-webhook-secret input')!;
    expect(shown.value).toBe(sidecar.state.webhooks[0]!.secret);
    expect(text()).toContain('New signing secret made.');
    expect(text()).not.toContain('Webhook added.');
    await until(() => rows()[0]?.textContent?.includes('The old secret also signs until'), 'the rotation in the list');
    expect(sidecar.state.webhooks[0]).toMatchObject({ url: 'https://r.example.com/', events: ['appointment.booked'], active: true });
    button('Done')!.click();
    await tick();
    expect(text()).not.toContain(sidecar.state.webhooks[0]!.secret);

    // Declined: nothing is asked of the sidecar.
    vi.stubGlobal('confirm', () => false);
    button('New secret', rows()[0])!.click();
    await tick();
    expect(sidecar.state.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('shows a webhook’s deliveries, newest first, with status, attempts and the last answer', async () => {
    mount(WebhooksPage);
    sidecar.state.webhooks.push({ id: 3, url: 'https://c.example.com/', events: [...WEBHOOK_EVENT_TYPES], active: true, secret: 'x'.repeat(32) });
    sidecar.state.deliveries.set(3, [
      { id: 12, event: 'appointment.cancelled', status: 'pending', attempts: 2, lastStatusCode: 500, createdAt: '2030-01-02T10:05:00.000Z', deliveredAt: null },
      { id: 11, event: 'appointment.rescheduled', status: 'failed', attempts: 9, lastStatusCode: null, lastError: 'timeout: no answer within 10 s', createdAt: '2030-01-02T10:00:00.000Z', deliveredAt: null },
      { id: 10, event: 'appointment.booked', status: 'delivered', attempts: 1, lastStatusCode: 204, createdAt: '2030-01-01T09:00:00.000Z', deliveredAt: '2030-01-01T09:00:01.000Z' },
    ]);
    await until(() => rows().length === 1);
    button('Deliveries', rows()[0])!.click();
    await until(() => $$('tr[data-delivery]').length === 3, 'deliveries');
    expect(root.querySelector('#appointease-deliveries-title')!.textContent).toBe('Deliveries to https://c.example.com/');
    const cells = $$('tr[data-delivery]').map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
    expect(cells.map((c) => c.slice(0, 4))).toEqual([
      ['Cancelled', 'Pending', '2 attempts', 'HTTP 500'],
      // The sidecar's reason, when it gives one beyond the status code.
      ['Rescheduled', 'Failed', '9 attempts', 'No answertimeout: no answer within 10 s'],
      ['Booked', 'Delivered', '1 attempt', 'HTTP 204'],
    ]);
    expect(cells[2]![4]).toMatch(/2030/);
    expect(cells[0]![5]).toBe('—');
    expect($$('tr[data-delivery]').map((r) => r.dataset.status)).toEqual(['pending', 'failed', 'delivered']);

    // A retry lands: Refresh shows it.
    sidecar.state.deliveries.get(3)![0] = { ...sidecar.state.deliveries.get(3)![0]!, status: 'delivered', attempts: 3, lastStatusCode: 200, deliveredAt: '2030-01-02T10:06:00.000Z' };
    button('Refresh')!.click();
    await until(() => $$('tr[data-delivery]')[0]?.dataset.status === 'delivered', 'refreshed');
    button('Close', root.querySelector('.appointease-deliveries')!)!.click();
    await until(() => !root.querySelector('.appointease-deliveries'), 'closed');
  });

  it('checks a draft before sending it', () => {
    const draft = { existing: false, url: 'ftp://x', events: ['appointment.booked' as const], secret: '', active: true };
    expect(webhookBody(draft)).toHaveProperty('problem');
    expect(webhookBody({ ...draft, url: 'https://x.example/', events: [] })).toEqual({ problem: 'Choose at least one event.' });
    expect(webhookBody({ ...draft, url: 'https://x.example/', events: ['appointment.cancelled', 'appointment.booked'] })).toEqual({ url: 'https://x.example/', events: ['appointment.booked', 'appointment.cancelled'] });
    expect(webhookBody({ ...draft, existing: true, url: 'https://x.example/', secret: 'ignored', active: false })).toEqual({ url: 'https://x.example/', events: ['appointment.booked'], active: false });
  });
});

describe('Reminder offsets on the Settings page', () => {
  const reminderLines = () => $$<HTMLLIElement>('li.appointease-reminder');
  const lineValues = () => reminderLines().map((li) => `${li.querySelector('input')!.value} ${li.querySelector('select')!.value}`);

  it('shows the default (one at 24 h before) as 1 day, adds and removes lines, at most 5, and saves minutes', async () => {
    mount(BusinessSettingsPage);
    await until(() => reminderLines().length === 1, 'reminders');
    expect(lineValues()).toEqual(['1 days']);
    for (let i = 0; i < 4; i++) {
      button('Add a reminder')!.click();
      await tick();
    }
    expect(reminderLines()).toHaveLength(5);
    expect(button('Add a reminder')!.disabled).toBe(true);
    expect(text()).toContain('At most 5 reminders.');
    // Remove three, set the second to 90 minutes.
    for (let i = 0; i < 3; i++) {
      button('Remove', reminderLines()[4 - i])!.click();
      await tick();
    }
    await type(reminderLines()[1]!.querySelector('input')!, '90');
    await type(reminderLines()[1]!.querySelector('select')!, 'minutes');
    submit('Save booking rules');
    await until(() => text().includes('Booking rules saved.'), 'saved');
    const put = sidecar.state.requests.find((r) => r.method === 'PUT')!;
    // Only what changed: the reminders, in minutes.
    expect(put.body).toEqual({ reminders: [{ minutesBefore: 1440 }, { minutesBefore: 90 }] });
  });

  it('saves none as [] and says none are sent', async () => {
    mount(BusinessSettingsPage);
    await until(() => reminderLines().length === 1);
    button('Remove', reminderLines()[0])!.click();
    await tick();
    expect(text()).toContain('No reminder mails are sent.');
    submit('Save booking rules');
    await until(() => text().includes('Booking rules saved.'));
    expect(sidecar.state.requests.find((r) => r.method === 'PUT')!.body).toEqual({ reminders: [] });
  });

  it('does not send unchanged reminders with another rule, and refuses out-of-range or repeated offsets', async () => {
    mount(BusinessSettingsPage, { reminders: [{ minutesBefore: 120 }, { minutesBefore: 30 }] });
    await until(() => reminderLines().length === 2);
    expect(lineValues()).toEqual(['2 hours', '30 minutes']);
    await type(input('Bookable days ahead'), '90');
    submit('Save booking rules');
    await until(() => text().includes('Booking rules saved.'));
    expect(sidecar.state.requests.find((r) => r.method === 'PUT')!.body).toEqual({ maxAdvanceDays: 90 });

    await type(reminderLines()[0]!.querySelector('input')!, '8');
    await type(reminderLines()[0]!.querySelector('select')!, 'days');
    submit('Save booking rules');
    await until(() => text().includes('from 1 minute to 7 days'), 'range refusal');
    await type(reminderLines()[0]!.querySelector('input')!, '30');
    await type(reminderLines()[0]!.querySelector('select')!, 'minutes');
    submit('Save booking rules');
    await until(() => text().includes('Two reminders are set for the same time.'), 'repeat refusal');
    expect(sidecar.state.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('hides the section for a sidecar that does not know reminders', async () => {
    mount(BusinessSettingsPage, { reminders: 'absent' });
    await until(() => button('Save booking rules'));
    expect(text()).not.toContain('Reminder mails');
    submit('Save booking rules');
    await until(() => text().includes('Booking rules saved.'));
    expect(sidecar.state.requests.find((r) => r.method === 'PUT')!.body).toEqual({});
  });

  it('converts between minutes and the units shown', () => {
    expect(toReminderDrafts([{ minutesBefore: 1440 }, { minutesBefore: 180 }, { minutesBefore: 45 }, { minutesBefore: 10080 }])).toEqual([
      { amount: '1', unit: 'days' },
      { amount: '3', unit: 'hours' },
      { amount: '45', unit: 'minutes' },
      { amount: '7', unit: 'days' },
    ]);
    expect(remindersBody([{ amount: '1.5', unit: 'hours' }])).toEqual([{ minutesBefore: 90 }]);
    expect(remindersBody([{ amount: '0.5', unit: 'minutes' }])).toHaveProperty('problem');
    expect(remindersBody([{ amount: '', unit: 'minutes' }])).toHaveProperty('problem');
    expect(remindersBody(Array.from({ length: 6 }, (_, i) => ({ amount: String(i + 1), unit: 'hours' as const })))).toHaveProperty('problem');
  });
});
