// An in-memory stand-in for the sidecar's admin API (CONTRACT §7 settings, §12 webhooks) and
// the bridge's token route, as a fetch function: the admin pages run with their real Api
// class (token, bearer header, error bodies) in happy-dom. It records every request.
import { WEBHOOK_EVENT_TYPES } from '../../server/src/webhooks/webhook-event.js';

export const SIDECAR = 'http://sidecar.test';
export const TOKEN_URL = 'http://wp.test/wp-json/appointease-bridge/v1/token';

export interface FakeWebhook {
  id: number;
  url: string;
  events: string[];
  active: boolean;
  secret: string;
  previousSecretExpiresAt?: string | null;
}
export interface FakeDelivery {
  id: number;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError?: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

const problem = (status: number, code: string, message: string, details?: Array<{ field: string; message: string }>) =>
  new Response(JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } }), { status, headers: { 'content-type': 'application/json' } });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export function fakeAdminApi(o: { reminders?: Array<{ minutesBefore: number }> | 'absent' } = {}) {
  const state = {
    webhooks: [] as FakeWebhook[],
    deliveries: new Map<number, FakeDelivery[]>(),
    settings: {
      timezone: 'Europe/Berlin',
      slotInterval: 30,
      minNoticeMinutes: 60,
      maxAdvanceDays: 60,
      maxBookingsPerCustomer: 0,
      ...(o.reminders === 'absent' ? {} : { reminders: o.reminders ?? [{ minutesBefore: 1440 }] }),
    } as Record<string, unknown>,
    requests: [] as Array<{ method: string; path: string; body: unknown; auth: string | null }>,
    nextId: 1,
  };

  async function handle(method: string, path: string, body: any): Promise<Response> {
    if (path === '/admin/settings' && method === 'GET') return json(200, state.settings);
    if (path === '/admin/settings' && method === 'PUT') {
      if ('reminders' in body) {
        const r = body.reminders;
        if (!Array.isArray(r) || r.length > 5 || r.some((x: any) => !Number.isInteger(x?.minutesBefore) || x.minutesBefore < 1 || x.minutesBefore > 10080)) {
          return problem(400, 'invalid_request', 'reminders: at most 5 entries of 1–10080 minutes', [{ field: 'reminders', message: 'invalid' }]);
        }
      }
      Object.assign(state.settings, body);
      return json(200, state.settings);
    }
    if (path === '/admin/webhooks' && method === 'GET') return json(200, { webhooks: state.webhooks.map(({ secret: _s, ...w }) => w) });
    if (path === '/admin/webhooks' && method === 'POST') {
      if (!Array.isArray(body.events) || body.events.length === 0 || body.events.some((e: string) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e))) {
        return problem(400, 'invalid_request', 'events: unknown event');
      }
      if (!/^https?:\/\//.test(body.url) || /\/\/(127\.|10\.|localhost)/.test(body.url)) return problem(422, 'invalid_webhook_url', 'The webhook URL is not allowed: private address');
      const webhook: FakeWebhook = { id: state.nextId++, url: body.url, events: body.events, active: true, secret: body.secret ?? 'whsec_' + 'a'.repeat(40) };
      state.webhooks.push(webhook);
      state.deliveries.set(webhook.id, []);
      return json(201, { webhook });
    }
    const pinged = /^\/admin\/webhooks\/(\d+)\/ping$/.exec(path);
    if (pinged && method === 'POST') {
      const webhook = state.webhooks.find((w) => w.id === Number(pinged[1]));
      if (!webhook) return problem(404, 'not_found', 'No such webhook');
      const down = webhook.url.includes('down.');
      return json(200, { ping: { eventId: 'evt_test', ok: !down, statusCode: down ? null : 204, error: down ? 'connect_failed: connection refused' : null, responseExcerpt: null, ms: 42 } });
    }
    const rotation = /^\/admin\/webhooks\/(\d+)\/rotate-secret$/.exec(path);
    if (rotation && method === 'POST') {
      const webhook = state.webhooks.find((w) => w.id === Number(rotation[1]));
      if (!webhook) return problem(404, 'not_found', 'No such webhook');
      webhook.secret = body?.secret ?? `whsec_rotated_${'b'.repeat(32)}`;
      webhook.previousSecretExpiresAt = new Date(Date.now() + 24 * 3600_000).toISOString();
      return json(200, { webhook });
    }
    const one = /^\/admin\/webhooks\/(\d+)(\/deliveries)?$/.exec(path);
    if (one) {
      const webhook = state.webhooks.find((w) => w.id === Number(one[1]));
      if (!webhook) return problem(404, 'not_found', 'No such webhook');
      if (one[2] && method === 'GET') return json(200, { deliveries: state.deliveries.get(webhook.id) ?? [] });
      if (!one[2] && method === 'PUT') {
        for (const key of ['url', 'events', 'active'] as const) if (key in body) (webhook as any)[key] = body[key];
        const { secret: _s, ...view } = webhook;
        return json(200, { webhook: view });
      }
      if (!one[2] && method === 'DELETE') {
        state.webhooks = state.webhooks.filter((w) => w !== webhook);
        return new Response(null, { status: 204 });
      }
    }
    return problem(404, 'not_found', `no route ${method} ${path}`);
  }

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    if (url === TOKEN_URL) return json(200, { token: 'fake-admin-jwt', expiresAt: new Date(Date.now() + 600_000).toISOString() });
    const prefix = `${SIDECAR}/appointease/v1`;
    if (!url.startsWith(prefix)) return problem(404, 'not_found', url);
    const path = url.slice(prefix.length);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const headers = new Headers(init.headers);
    state.requests.push({ method, path, body, auth: headers.get('authorization') });
    if (headers.get('authorization') !== 'Bearer fake-admin-jwt') return problem(401, 'unauthorized', 'no token');
    return handle(method, path, body ?? {});
  };

  return { state, fetch };
}
