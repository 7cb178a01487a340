import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pingResultSchema } from '../../server/src/contract';
import { verifySignature } from '../../server/src/webhooks/signature';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * The admin side of CONTRACT §12 against real MariaDB and Redis: webhook
 * CRUD, pause, the deliveries list, the reminders setting, and every kind of
 * bad input (refused without a write). OUTBOUND_ALLOW_PRIVATE is off here,
 * so loopback and private targets are refused; a public IP literal needs no DNS.
 */
describe('admin API: webhooks and the reminders setting (CONTRACT §12)', () => {
  let s: TestSidecar;
  let token: string;
  const PUBLIC = 'https://93.184.215.14/hooks/appointease';

  const call = async (method: string, path: string, json?: unknown, auth: string | null = token) => {
    const res = await s.api(path, { method, token: auth ?? undefined, json });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const count = async () => Number((await s.db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointease_webhooks'))[0][0].n);

  beforeAll(async () => {
    s = await startSidecar();
    token = s.adminToken();
  });
  afterAll(() => s?.stop());

  it('needs an admin token', async () => {
    expect((await call('GET', '/admin/webhooks', undefined, null)).status).toBe(401);
    expect((await call('POST', '/admin/webhooks', { url: PUBLIC, events: ['appointment.booked'] }, 'not-a-jwt')).status).toBe(401);
    expect((await call('GET', '/admin/webhooks/1/deliveries', undefined, null)).status).toBe(401);
  });

  it('creates with a generated secret shown once; lists, changes, pauses and deletes', async () => {
    const created = await call('POST', '/admin/webhooks', { url: `${PUBLIC}#frag`, events: ['appointment.booked', 'appointment.cancelled', 'appointment.booked'] });
    expect(created.status).toBe(201);
    const hook = created.body.webhook;
    expect(hook).toMatchObject({ id: expect.any(Number), url: PUBLIC, events: ['appointment.booked', 'appointment.cancelled'], active: true });
    expect(hook.secret).toMatch(/^whsec_[\w-]{43}$/);

    const listed = await call('GET', '/admin/webhooks');
    expect(listed.status).toBe(200);
    expect(listed.body.webhooks).toEqual([expect.objectContaining({ id: hook.id, url: PUBLIC, events: hook.events, active: true })]);
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret);
    expect(listed.body.webhooks[0]).not.toHaveProperty('secret');

    const own = await call('POST', '/admin/webhooks', { url: PUBLIC, events: ['appointment.rescheduled'], secret: 'x'.repeat(16) + 'my-own-secret-0123456789' });
    expect(own.status).toBe(201);
    expect(own.body.webhook.secret).toBe('x'.repeat(16) + 'my-own-secret-0123456789');

    const paused = await call('PUT', `/admin/webhooks/${hook.id}`, { active: false });
    expect(paused.status).toBe(200);
    expect(paused.body.webhook).toMatchObject({ id: hook.id, active: false, events: hook.events, url: PUBLIC });
    expect(paused.body.webhook).not.toHaveProperty('secret');
    const changed = await call('PUT', `/admin/webhooks/${hook.id}`, { url: 'http://93.184.215.14:8080/other', events: ['appointment.rescheduled'], active: true });
    expect(changed.body.webhook).toMatchObject({ url: 'http://93.184.215.14:8080/other', events: ['appointment.rescheduled'], active: true });

    expect(await call('GET', `/admin/webhooks/${hook.id}/deliveries`)).toEqual({ status: 200, body: { deliveries: [] } });

    const [[audit]] = await s.db.pool.query<any[]>(`SELECT * FROM wp_appointease_audit_log WHERE entity = 'webhook' AND action = 'create' ORDER BY id LIMIT 1`);
    expect(audit).toMatchObject({ actor: 'admin:1', entity_id: String(hook.id) });
    expect(audit.details).not.toContain(hook.secret);

    expect((await call('DELETE', `/admin/webhooks/${hook.id}`)).status).toBe(204);
    expect((await call('DELETE', `/admin/webhooks/${hook.id}`)).status).toBe(404);
    expect((await call('PUT', `/admin/webhooks/${hook.id}`, { active: true })).status).toBe(404);
    expect((await call('GET', `/admin/webhooks/${hook.id}/deliveries`)).status).toBe(404);
    expect((await call('GET', '/admin/webhooks')).body.webhooks.map((w: { id: number }) => w.id)).toEqual([own.body.webhook.id]);
  });

  it('rotates a secret: the new one shown once, the old one honoured for a day, nothing else changed; refusals without a write', async () => {
    const created = (await call('POST', '/admin/webhooks', { url: PUBLIC, events: ['appointment.booked'] })).body.webhook;
    expect((await call('GET', '/admin/webhooks')).body.webhooks.find((w: { id: number }) => w.id === created.id).previousSecretExpiresAt).toBeNull();

    const started = Date.now();
    const rotated = await call('POST', `/admin/webhooks/${created.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const hook = rotated.body.webhook;
    expect(hook).toMatchObject({ id: created.id, url: PUBLIC, events: ['appointment.booked'], active: true });
    expect(hook.secret).toMatch(/^whsec_[\w-]{43}$/);
    expect(hook.secret).not.toBe(created.secret);
    const until = Date.parse(hook.previousSecretExpiresAt);
    expect(until).toBeGreaterThanOrEqual(started + 24 * 3600_000 - 5_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 24 * 3600_000 + 5_000);
    const [[row]] = await s.db.pool.query<any[]>('SELECT secret, previous_secret FROM wp_appointease_webhooks WHERE id = ?', [created.id]);
    expect(row).toEqual({ secret: hook.secret, previous_secret: created.secret });
    // The list shows that a rotation is under way, never either secret.
    const listed = await call('GET', '/admin/webhooks');
    expect(listed.body.webhooks.find((w: { id: number }) => w.id === created.id).previousSecretExpiresAt).toBe(hook.previousSecretExpiresAt);
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret);
    expect(JSON.stringify(listed.body)).not.toContain(created.secret);

    // An own secret; the one it replaces is the generated one above.
    const own = 'y'.repeat(20) + '-rotated-own-secret-42';
    const second = await call('POST', `/admin/webhooks/${created.id}/rotate-secret`, { secret: own });
    expect(second.status).toBe(200);
    expect(second.body.webhook.secret).toBe(own);
    const [[audit]] = await s.db.pool.query<any[]>(`SELECT details FROM wp_appointease_audit_log WHERE entity = 'webhook' AND action = 'rotate_secret' ORDER BY id DESC LIMIT 1`);
    expect(audit.details).not.toContain(own);
    expect(audit.details).not.toContain(hook.secret);

    const before = await s.db.pool.query<any[]>('SELECT secret, previous_secret, previous_secret_until FROM wp_appointease_webhooks WHERE id = ?', [created.id]);
    expect((await call('POST', `/admin/webhooks/${created.id}/rotate-secret`, { secret: 'too-short' })).status).toBe(400);
    expect((await call('POST', `/admin/webhooks/${created.id}/rotate-secret`, { secret: 42 })).status).toBe(400);
    expect((await call('POST', '/admin/webhooks/999999/rotate-secret')).status).toBe(404);
    expect((await call('POST', `/admin/webhooks/${created.id}/rotate-secret`, undefined, null)).status).toBe(401);
    expect((await s.db.pool.query<any[]>('SELECT secret, previous_secret, previous_secret_until FROM wp_appointease_webhooks WHERE id = ?', [created.id]))[0]).toEqual(before[0]);
    expect((await call('DELETE', `/admin/webhooks/${created.id}`)).status).toBe(204);
  });

  it('422 invalid_webhook_url for what is not http(s) or points inside, without a write', async () => {
    const before = await count();
    for (const url of [
      'ftp://93.184.215.14/x',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'not a url',
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://10.1.2.3/hook',
      'http://192.168.0.10/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://2130706433/',
      'http://0.0.0.0/',
      `https://93.184.215.14/${'a'.repeat(2100)}`,
    ]) {
      const res = await call('POST', '/admin/webhooks', { url, events: ['appointment.booked'] });
      expect([url, res.status, res.body.error.code]).toEqual([url, 422, 'invalid_webhook_url']);
    }
    const own = (await call('GET', '/admin/webhooks')).body.webhooks[0];
    const res = await call('PUT', `/admin/webhooks/${own.id}`, { url: 'http://127.0.0.1/x' });
    expect([res.status, res.body.error.code]).toEqual([422, 'invalid_webhook_url']);
    expect(await count()).toBe(before);
    expect((await call('GET', '/admin/webhooks')).body.webhooks[0].url).toBe(own.url);
  });

  it('400 invalid_request for unknown events and malformed bodies, without a write', async () => {
    const before = await count();
    const own = (await call('GET', '/admin/webhooks')).body.webhooks[0];
    const cases: [string, string, unknown, string][] = [
      ['POST', '/admin/webhooks', { url: PUBLIC, events: ['appointment.paid'] }, 'events.0'],
      ['POST', '/admin/webhooks', { url: PUBLIC, events: ['appointment.booked', 'booked'] }, 'events.1'],
      ['POST', '/admin/webhooks', { url: PUBLIC, events: [] }, 'events'],
      ['POST', '/admin/webhooks', { url: PUBLIC, events: 'appointment.booked' }, 'events'],
      ['POST', '/admin/webhooks', { url: PUBLIC }, 'events'],
      ['POST', '/admin/webhooks', { events: ['appointment.booked'] }, 'url'],
      ['POST', '/admin/webhooks', { url: 42, events: ['appointment.booked'] }, 'url'],
      ['POST', '/admin/webhooks', { url: PUBLIC, events: ['appointment.booked'], secret: 'too-short' }, 'secret'],
      ['POST', '/admin/webhooks', { url: PUBLIC, events: ['appointment.booked'], secret: 's'.repeat(256) }, 'secret'],
      ['PUT', `/admin/webhooks/${own.id}`, { events: ['appointment.deleted'] }, 'events.0'],
      ['PUT', `/admin/webhooks/${own.id}`, { active: 'no' }, 'active'],
      ['PUT', '/admin/webhooks/abc', { active: true }, 'id'],
      ['GET', `/admin/webhooks/${own.id}/deliveries?limit=0`, undefined, 'limit'],
      ['GET', `/admin/webhooks/${own.id}/deliveries?limit=1000`, undefined, 'limit'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(method, path, body);
      expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 400, 'invalid_request']);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect(await count()).toBe(before);
    expect((await call('GET', '/admin/webhooks')).body.webhooks[0]).toMatchObject({ events: own.events, active: own.active });
  });

  it('reminders: default one at 24 h; up to 5 offsets of 1 minute to 1 week; [] = none; null = the default again', async () => {
    expect((await call('GET', '/admin/settings')).body.reminders).toEqual([{ minutesBefore: 1440 }]);
    for (const bad of [
      [{ minutesBefore: 0 }],
      [{ minutesBefore: 10_081 }],
      [{ minutesBefore: 30.5 }],
      [{ minutesBefore: '60' }],
      [{ minutes: 60 }],
      [{ minutesBefore: 60 }, { minutesBefore: 60 }],
      [1, 2, 3, 4, 5, 6].map((n) => ({ minutesBefore: n * 10 })),
      { minutesBefore: 60 },
      'daily',
    ]) {
      const res = await call('PUT', '/admin/settings', { reminders: bad });
      expect([JSON.stringify(bad), res.status, res.body.error?.code]).toEqual([JSON.stringify(bad), 400, 'invalid_request']);
      expect(res.body.error.details[0].field).toMatch(/^reminders/);
    }
    expect((await call('GET', '/admin/settings')).body).toMatchObject({ reminders: [{ minutesBefore: 1440 }], overridden: expect.not.arrayContaining(['reminders']) });

    const two = await call('PUT', '/admin/settings', { reminders: [{ minutesBefore: 60 }, { minutesBefore: 10_080 }, { minutesBefore: 1 }] });
    expect(two.status).toBe(200);
    expect(two.body).toMatchObject({ reminders: [{ minutesBefore: 10_080 }, { minutesBefore: 60 }, { minutesBefore: 1 }], overridden: expect.arrayContaining(['reminders']) });
    expect((await call('PUT', '/admin/settings', { reminders: [] })).body.reminders).toEqual([]);
    expect((await call('GET', '/admin/settings')).body.reminders).toEqual([]);
    expect((await call('PUT', '/admin/settings', { reminders: null })).body.reminders).toEqual([{ minutesBefore: 1440 }]);
  });
});

describe('admin API: a test delivery (POST /admin/webhooks/{id}/ping, beside CONTRACT §12)', () => {
  let s: TestSidecar;
  let server: Server;
  let url: string;
  let answer = 200;
  const received: { headers: IncomingMessage['headers']; raw: string }[] = [];

  beforeAll(async () => {
    s = await startSidecar({ env: { OUTBOUND_ALLOW_PRIVATE: 'true' } });
    server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        received.push({ headers: req.headers, raw });
        res.writeHead(answer, { 'Content-Type': 'text/plain' }).end(answer === 200 ? 'pong' : 'receiver broke');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await s?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  const ping = async (id: number) => {
    const res = await s.api(`/admin/webhooks/${id}/ping`, { method: 'POST', token: s.adminToken() });
    return { status: res.status, body: await res.json() };
  };

  it('sends one signed webhook.ping, paused or not, and answers what the receiver said; nothing is recorded as a delivery', async () => {
    const created = await s.api('/admin/webhooks', { method: 'POST', token: s.adminToken(), json: { url, events: ['appointment.booked'] } });
    const hook = (await created.json()).webhook;
    await s.api(`/admin/webhooks/${hook.id}`, { method: 'PUT', token: s.adminToken(), json: { active: false } });

    const first = await ping(hook.id);
    expect(first.status).toBe(200);
    expect(first.body.ping).toMatchObject({ ok: true, statusCode: 200, error: null, responseExcerpt: 'pong', eventId: expect.stringMatching(/^evt_[0-9a-f]{32}$/) });
    expect(pingResultSchema.strict().parse(first.body.ping)).toEqual(first.body.ping);
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(JSON.parse(got.raw)).toEqual({ id: first.body.ping.eventId, type: 'webhook.ping', createdAt: expect.any(String), data: { webhook: { id: hook.id, events: ['appointment.booked'] } } });
    expect(got.headers['appointease-event-id']).toBe(first.body.ping.eventId);
    expect(verifySignature(got.headers['appointease-signature'] as string, got.raw, hook.secret)).toMatchObject({ ok: true });

    answer = 500;
    expect((await ping(hook.id)).body.ping).toMatchObject({ ok: false, statusCode: 500, error: 'HTTP 500', responseExcerpt: 'receiver broke' });
    answer = 200;
    // Nothing to list, nothing queued: a test is not an event.
    expect(await (await s.api(`/admin/webhooks/${hook.id}/deliveries`, { token: s.adminToken() })).json()).toEqual({ deliveries: [] });
    expect(Number((await s.db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointease_outbox'))[0][0].n)).toBe(0);

    // A receiver that is gone: the client's reason, not a 500.
    const gone = await s.api('/admin/webhooks', { method: 'POST', token: s.adminToken(), json: { url: 'http://127.0.0.1:9/nothing', events: ['appointment.booked'] } });
    const down = await ping((await gone.json()).webhook.id);
    expect(down.status).toBe(200);
    expect(down.body.ping).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/^\w+: /) });

    expect((await ping(999_999)).status).toBe(404);
    expect((await s.api(`/admin/webhooks/${hook.id}/ping`, { method: 'POST' })).status).toBe(401);
  });
});
