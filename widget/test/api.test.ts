import { describe, expect, it } from 'vitest';
import { ApiError, apiRoot, createApi, parseRetryAfter, socketUrl } from '../src/api';

type Call = { url: string; init: RequestInit };

function fakeFetch(respond: (c: Call) => Response) {
  const calls: Call[] = [];
  const f = async (url: string, init: RequestInit = {}) => {
    const c = { url, init };
    calls.push(c);
    return respond(c);
  };
  return { f, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('api', () => {
  it('builds the REST root and the socket URL', () => {
    expect(apiRoot('https://book.example.com/')).toBe('https://book.example.com/appointease/v1');
    expect(socketUrl('https://book.example.com')).toBe('wss://book.example.com/appointease/v1/ws');
    expect(socketUrl('http://127.0.0.1:8787')).toBe('ws://127.0.0.1:8787/appointease/v1/ws');
  });

  it('GETs with encoded query and unwraps lists', async () => {
    const { f, calls } = fakeFetch(() => json(200, { days: [{ date: '2025-10-01', available: 2 }] }));
    const days = await createApi('http://h', f).month('2025-10', 2, 1);
    expect(days).toEqual([{ date: '2025-10-01', available: 2 }]);
    expect(calls[0]!.url).toBe('http://h/appointease/v1/availability/month?month=2025-10&employeeId=2&serviceId=1');
    expect(calls[0]!.init.credentials).toBe('omit');
  });

  it('books with the bearer session and the Idempotency-Key', async () => {
    const { f, calls } = fakeFetch(() => json(201, { appointment: { reference: 'APT-2025-000001' } }));
    const a = await createApi('http://h', f).book(
      { lockToken: 'l', date: '2025-10-28', time: '09:00', employeeId: 2, serviceId: 1, name: 'Ada' }, 'sess', 'idem-1');
    expect(a.reference).toBe('APT-2025-000001');
    const h = calls[0]!.init.headers as Record<string, string>;
    expect(h.Authorization).toBe('Bearer sess');
    expect(h['Idempotency-Key']).toBe('idem-1');
    expect(h['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(calls[0]!.init.body)).lockToken).toBe('l');
  });

  it('releases a lock with DELETE and a body, keepalive when asked', async () => {
    const { f, calls } = fakeFetch(() => new Response(null, { status: 204 }));
    await createApi('http://h', f).unlock({ date: 'd', time: 't', employeeId: 1, lockToken: 'x' }, true);
    expect(calls[0]!.init.method).toBe('DELETE');
    expect(calls[0]!.init.keepalive).toBe(true);
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ date: 'd', time: 't', employeeId: 1, lockToken: 'x' });
  });

  it('turns the contract error body into a typed error with Retry-After', async () => {
    const { f } = fakeFetch(() => json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '42' }));
    const err = await createApi('http://h', f).sendCode('a@b.c').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.code, err.retryAfter, err.message]).toEqual([429, 'rate_limited', 42, 'slow down']);
  });

  it('a network failure or a non-JSON error page still yields a code', async () => {
    const down = createApi('http://h', async () => { throw new TypeError('Failed to fetch'); });
    expect((await down.services().catch((e) => e)).code).toBe('network');
    const html = createApi('http://h', async () => new Response('<html>Bad gateway', { status: 502 }));
    expect((await html.services().catch((e) => e)).code).toBe('unavailable');
  });

  it('parseRetryAfter reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
