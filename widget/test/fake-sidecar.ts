// An in-memory stand-in for the sidecar's public API (CONTRACT §3–§6, §8), enough to
// drive the widget's steps in happy-dom. The real sidecar is exercised by test/e2e.
import { addDays, todayIn } from '../src/format';
import { translationFiles } from '../i18n-files';
import type { SocketLike } from '../src/live';

export interface FakeOptions {
  staff?: { id: number; name: string }[];
  /** Days from today whose slots are all free; other days have none. */
  freeInDays?: number[];
  /** Override a route's answer: return a Response to short-circuit. */
  override?: (method: string, path: string, body: any, query: URLSearchParams) => Response | undefined;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

export function fakeSidecar(opts: FakeOptions = {}) {
  const staff = opts.staff ?? [{ id: 2, name: 'Bea' }];
  const today = todayIn('UTC');
  const freeDays = new Set((opts.freeInDays ?? [2]).map((n) => addDays(today, n)));
  const times = ['09:00', '09:30', '10:00', '10:30'];
  const locks = new Map<string, { token: string; emp: number }>(); // `${date}|${time}|${emp}`
  const booked = new Set<string>();
  const calls: { method: string; path: string; body: any; headers: Record<string, string> }[] = [];
  const appointments: any[] = [];
  let n = 0;
  const code = '123456';

  async function fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const path = u.pathname.replace('/appointease/v1', '');
    const method = init.method ?? 'GET';
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, path: path + u.search, body, headers: (init.headers ?? {}) as Record<string, string> });
    const o = opts.override?.(method, path, body, u.searchParams);
    if (o) return o;
    const q = u.searchParams;
    // The translation files, as the sidecar serves them beside widget.js.
    const file = translationFiles().find((f) => path === `/widget/${f.fileName}`);
    if (method === 'GET' && file) return new Response(file.source, { status: 200, headers: { 'Content-Type': 'application/json' } });
    switch (`${method} ${path}`) {
      case 'GET /settings':
        return json(200, { timezone: 'UTC', slotInterval: 30, minNoticeMinutes: 0, maxAdvanceDays: 60, lockTtlSeconds: 600 });
      case 'GET /services':
        return json(200, { services: [{ id: 1, name: 'Haircut', description: 'Wash and cut', duration: 30, price: 30, bufferBefore: 0, bufferAfter: 0 }] });
      case 'GET /staff':
        return json(200, { staff });
      case 'GET /availability/month': {
        const m = q.get('month')!;
        const days = [];
        for (let d = m + '-01'; d.startsWith(m); d = addDays(d, 1)) days.push({ date: d, available: freeDays.has(d) ? times.length : 0 });
        return json(200, { days });
      }
      case 'GET /availability': {
        const date = q.get('date')!;
        const emp = Number(q.get('employeeId'));
        const slots = freeDays.has(date)
          ? times.map((time) => {
              const k = `${date}|${time}|${emp}`;
              return { time, start: `${date}T${time}:00.000Z`, status: booked.has(k) ? 'booked' : locks.has(k) ? 'locked' : 'available' };
            })
          : [];
        return json(200, { date, employeeId: emp, serviceId: 1, timezone: 'UTC', slots, unavailable: slots.filter((s) => s.status !== 'available').map((s) => s.time) });
      }
      case 'POST /locks': {
        const k = `${body.date}|${body.time}|${body.employeeId}`;
        if (locks.has(k) || booked.has(k)) return json(409, { error: { code: 'slot_unavailable', message: 'taken' } });
        const token = `tok-${++n}`;
        locks.set(k, { token, emp: body.employeeId });
        return json(201, { lockToken: token, ...body, times: [body.time], expiresAt: new Date(Date.now() + 600_000).toISOString(), ttlSeconds: 600 });
      }
      case 'DELETE /locks': {
        const k = `${body.date}|${body.time}|${body.employeeId}`;
        if (!locks.has(k)) return json(404, { error: { code: 'lock_not_found', message: '' } });
        locks.delete(k);
        return new Response(null, { status: 204 });
      }
      case 'POST /otp':
        return json(202, { status: 'sent' });
      case 'POST /otp/verify':
        return body.code === code
          ? json(200, { sessionToken: 'sess-1', email: body.email, expiresAt: new Date(Date.now() + 86_400_000).toISOString() })
          : json(401, { error: { code: 'invalid_otp', message: 'wrong' } });
      case 'POST /appointments': {
        const k = `${body.date}|${body.time}|${body.employeeId}`;
        if (locks.get(k)?.token !== body.lockToken) return json(409, { error: { code: 'lock_invalid', message: '' } });
        locks.delete(k);
        booked.add(k);
        const [h, m] = body.time.split(':').map(Number);
        const end = `${String(h + (m + 30 >= 60 ? 1 : 0)).padStart(2, '0')}:${String((m + 30) % 60).padStart(2, '0')}`;
        const a = {
          id: appointments.length + 1, reference: `APT-2025-${String(appointments.length + 1).padStart(6, '0')}`,
          date: body.date, time: body.time, endTime: end, start: `${body.date}T${body.time}:00.000Z`, end: `${body.date}T${end}:00.000Z`,
          employeeId: body.employeeId, serviceId: body.serviceId, status: 'confirmed', name: body.name, email: 'ada@example.com',
        };
        appointments.push(a);
        return json(201, { appointment: a });
      }
      case 'GET /appointments':
        return json(200, { appointments });
      default: {
        if (method === 'DELETE' && path.startsWith('/appointments/')) {
          const a = appointments.find((x) => x.reference === decodeURIComponent(path.split('/')[2]!));
          if (!a) return json(404, { error: { code: 'not_found', message: '' } });
          a.status = 'cancelled';
          booked.delete(`${a.date}|${a.time}|${a.employeeId}`);
          return json(200, { appointment: a });
        }
        if (method === 'PATCH' && path.startsWith('/appointments/')) {
          const a = appointments.find((x) => x.reference === decodeURIComponent(path.split('/')[2]!));
          const k = `${body.date}|${body.time}|${body.employeeId ?? a.employeeId}`;
          if (locks.get(k)?.token !== body.lockToken) return json(409, { error: { code: 'lock_invalid', message: '' } });
          locks.delete(k);
          booked.delete(`${a.date}|${a.time}|${a.employeeId}`);
          booked.add(k);
          Object.assign(a, { date: body.date, time: body.time, start: `${body.date}T${body.time}:00.000Z` });
          return json(200, { appointment: a });
        }
        return json(404, { error: { code: 'not_found', message: `no route ${method} ${path}` } });
      }
    }
  }

  return {
    fetch, calls, locks, booked, appointments, code, today,
    freeDay: (n: number) => addDays(today, n),
    /** Someone else holds a time: the server state changes, the event is sent by the test. */
    lockByOther(date: string, time: string, emp = 2) {
      locks.set(`${date}|${time}|${emp}`, { token: 'other', emp });
    },
  };
}

/** A WebSocket the test drives: open it, feed it frames, drop it. */
export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: any[] = [];
  onopen: ((ev: any) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: any) => void) | null = null;
  onerror: ((ev: any) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(d: string) {
    this.sent.push(JSON.parse(d));
  }
  closed = false;
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  receive(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}
