import type {
  Appointment, DayAvailability, Hold, MonthDay, Service, Session, Settings, StaffMember,
} from './types';

/** A failed call, with the contract's error code (or `network` when nothing came back). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from `Retry-After`, when the server sent one. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface BookingBody {
  lockToken: string;
  date: string;
  time: string;
  employeeId: number;
  serviceId: number;
  name: string;
  phone?: string;
  notes?: string;
}

export interface LockRef {
  date: string;
  time: string;
  employeeId: number;
  lockToken: string;
}

/** `https://host/` → `https://host/appointease/v1`. */
export function apiRoot(base: string): string {
  return base.replace(/\/+$/, '') + '/appointease/v1';
}

/** The WebSocket address next to the REST root (`http` → `ws`, `https` → `wss`). */
export function socketUrl(base: string): string {
  return apiRoot(base).replace(/^http/, 'ws') + '/ws';
}

export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, Math.ceil(secs));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export function createApi(base: string, fetchImpl: FetchLike = (i, o) => fetch(i, o)) {
  const root = apiRoot(base);

  async function call<T>(
    method: string,
    path: string,
    opts: { body?: unknown; token?: string; headers?: Record<string, string>; keepalive?: boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    let res: Response;
    try {
      res = await fetchImpl(root + path, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        // The widget never relies on cookies: identity is the bearer session token.
        credentials: 'omit',
        keepalive: opts.keepalive,
      });
    } catch (err) {
      throw new ApiError(0, 'network', String(err));
    }
    if (res.status === 204) return undefined as T;
    let data: any = null;
    try {
      data = await res.json();
    } catch {
      // Non-JSON (a proxy's HTML error page): handled by the status check below.
    }
    if (!res.ok) {
      const e = data?.error;
      throw new ApiError(
        res.status,
        typeof e?.code === 'string' ? e.code : res.status >= 500 ? 'unavailable' : 'generic',
        typeof e?.message === 'string' ? e.message : `HTTP ${res.status}`,
        parseRetryAfter(res.headers.get('Retry-After')),
      );
    }
    return data as T;
  }

  const q = (params: Record<string, string | number>) =>
    '?' + Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');

  return {
    services: () => call<{ services: Service[] }>('GET', '/services').then((r) => r.services),
    staff: (serviceId: number) =>
      call<{ staff: StaffMember[] }>('GET', '/staff' + q({ serviceId })).then((r) => r.staff),
    settings: () => call<Settings>('GET', '/settings'),
    availability: (date: string, employeeId: number, serviceId: number) =>
      call<DayAvailability>('GET', '/availability' + q({ date, employeeId, serviceId })),
    month: (month: string, employeeId: number, serviceId: number) =>
      call<{ days: MonthDay[] }>('GET', '/availability/month' + q({ month, employeeId, serviceId })).then((r) => r.days),
    lock: (body: { date: string; time: string; employeeId: number; serviceId: number }) =>
      call<Hold>('POST', '/locks', { body }),
    /** `keepalive` lets the release outlive the page on `pagehide`. */
    unlock: (ref: LockRef, keepalive = false) => call<void>('DELETE', '/locks', { body: ref, keepalive }),
    sendCode: (email: string) => call<{ status: string }>('POST', '/otp', { body: { email } }),
    verifyCode: (email: string, code: string) => call<Session>('POST', '/otp/verify', { body: { email, code } }),
    session: (token: string) => call<{ email: string; expiresAt: string }>('GET', '/session', { token }),
    endSession: (token: string) => call<void>('DELETE', '/session', { token }),
    book: (body: BookingBody, token: string, idempotencyKey: string) =>
      call<{ appointment: Appointment }>('POST', '/appointments', {
        body, token, headers: { 'Idempotency-Key': idempotencyKey },
      }).then((r) => r.appointment),
    appointments: (token: string) =>
      call<{ appointments: Appointment[] }>('GET', '/appointments', { token }).then((r) => r.appointments),
    cancel: (reference: string, token: string) =>
      call<{ appointment?: Appointment; status?: string }>('DELETE', `/appointments/${encodeURIComponent(reference)}`, { token }),
    reschedule: (reference: string, body: { lockToken: string; date: string; time: string; employeeId?: number }, token: string) =>
      call<{ appointment: Appointment }>('PATCH', `/appointments/${encodeURIComponent(reference)}`, { body, token })
        .then((r) => r.appointment),
  };
}

export type Api = ReturnType<typeof createApi>;
