// Talking to the sidecar's admin API (CONTRACT §7) with a short-lived JWT that WordPress
// mints for the logged-in administrator. The shared secret never reaches the browser.

import { __, sprintf } from './i18n';

export interface AdminConfig {
  sidecarUrl: string;
  tokenUrl: string;
  nonce: string;
  adminUrl: string;
  locale: string;
  /** WordPress's "Week starts on" (0 = Sunday … 6 = Saturday). */
  weekStart?: number;
  /** The admin pages the calendar, Live locks and the list live at. */
  views?: { calendar: string; locks: string; appointments: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Refresh this long before expiry, so a request never leaves with a token about to die. */
const REFRESH_MARGIN_MS = 60_000;

export class TokenSource {
  private token: string | null = null;
  private expiresAt = 0;
  private pending: Promise<string> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private listeners = new Set<(token: string) => void>();

  constructor(private readonly config: AdminConfig) {}

  /** A token valid for at least REFRESH_MARGIN_MS. */
  async get(): Promise<string> {
    if (this.token && this.expiresAt - Date.now() > REFRESH_MARGIN_MS) return this.token;
    this.pending ??= this.fetchToken().finally(() => (this.pending = null));
    return this.pending;
  }

  /** Called with every new token (the WebSocket re-authenticates with it). */
  onRefresh(listener: (token: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async fetchToken(): Promise<string> {
    const response = await fetch(this.config.tokenUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-WP-Nonce': this.config.nonce, Accept: 'application/json' },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || typeof body.token !== 'string') {
      // 403 with rest_cookie_invalid_nonce: the page sat open past the nonce's lifetime.
      const message =
        body.code === 'rest_cookie_invalid_nonce'
          ? __('Your WordPress session expired. Reload the page.', 'appointease-bridge')
          : typeof body.message === 'string'
            ? body.message
            : sprintf(__('Could not get an admin token (HTTP %d).', 'appointease-bridge'), response.status);
      throw new ApiError(response.status, String(body.code ?? 'token_failed'), message);
    }
    this.token = body.token;
    this.expiresAt = Date.parse(body.expiresAt);
    clearTimeout(this.timer);
    // Refreshed ahead of time even when idle, so a live socket can re-authenticate.
    this.timer = setTimeout(() => void this.get().catch(() => undefined), Math.max(5_000, this.expiresAt - Date.now() - REFRESH_MARGIN_MS));
    for (const listener of this.listeners) listener(body.token);
    return body.token;
  }
}

export class Api {
  readonly tokens: TokenSource;
  constructor(readonly config: AdminConfig) {
    this.tokens = new TokenSource(config);
  }

  get base(): string {
    return `${this.config.sidecarUrl}/appointease/v1`;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.tokens.get();
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', __('The AppointEase sidecar cannot be reached.', 'appointease-bridge'));
    }
    if (response.status === 204) return undefined as T;
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = data?.error;
      // The message names the first problem; an admin fixing a form wants all of them at once.
      const more = Array.isArray(error?.details) ? error.details.slice(1).map((d: { field?: string; message?: string }) => `${d.field}: ${d.message}`) : [];
      const message = [error?.message ?? sprintf(__('The sidecar answered HTTP %d.', 'appointease-bridge'), response.status), ...more].join('; ');
      throw new ApiError(response.status, error?.code ?? 'http_error', message);
    }
    return data as T;
  }

  get<T>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown) {
    return this.request<T>('POST', path, body);
  }
  put<T>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }
  delete(path: string, body?: unknown) {
    return this.request<void>('DELETE', path, body);
  }

  /** ws(s)://…/appointease/v1/ws for the configured sidecar. */
  get socketUrl(): string {
    return `${this.base.replace(/^http/, 'ws')}/ws`;
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
