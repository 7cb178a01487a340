import { backoffDelay } from './backoff';
import type { SlotEvent } from './types';

export type LiveStatus = 'connecting' | 'up' | 'down';
export interface DayKey {
  date: string;
  employeeId: number;
}

export interface LiveHandlers {
  onEvent(ev: SlotEvent): void;
  onStatus(status: LiveStatus): void;
  /**
   * The server confirmed a subscription (first time or after a reconnect). The
   * caller refetches that day: an event sent before the subscription was active
   * would otherwise be lost, and after a drop the REST answer is the truth.
   */
  onSubscribed(key: DayKey): void;
  /** The server's clock, from its hello on every (re)connect. */
  onHello?(serverTime: number): void;
}

/** Just what we use of the browser's WebSocket, so tests can pass a fake. */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
}

export interface LiveDeps {
  createSocket(url: string): SocketLike;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

const browserDeps = (): LiveDeps => ({
  createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as number),
  random: Math.random,
});

const keyOf = (k: DayKey) => `${k.date}|${k.employeeId}`;
const OPEN = 1;

/** One socket per widget, re-subscribing whatever day is shown, reconnecting with backoff. */
export class LiveConnection {
  private ws: SocketLike | null = null;
  private wanted = new Map<string, DayKey>();
  private attempt = 0;
  private timer: unknown = null;
  private stopped = false;
  private status: LiveStatus = 'connecting';

  constructor(
    private readonly url: string,
    private readonly handlers: LiveHandlers,
    private readonly deps: LiveDeps = browserDeps(),
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      try {
        ws.close();
      } catch {
        // already closing
      }
    }
  }

  /** Replace the set of watched days; only the difference goes over the wire. */
  setSubscriptions(keys: DayKey[]): void {
    const next = new Map(keys.map((k) => [keyOf(k), k]));
    for (const [id, k] of this.wanted) if (!next.has(id)) this.send({ type: 'unsubscribe', ...k });
    for (const [id, k] of next) if (!this.wanted.has(id)) this.send({ type: 'subscribe', ...k });
    this.wanted = next;
  }

  private setStatus(s: LiveStatus) {
    if (s === this.status) return;
    this.status = s;
    this.handlers.onStatus(s);
  }

  private send(msg: object) {
    if (this.ws && this.ws.readyState === OPEN) this.ws.send(JSON.stringify(msg));
  }

  private connect() {
    if (this.stopped) return;
    let ws: SocketLike;
    try {
      ws = this.deps.createSocket(this.url);
    } catch {
      this.setStatus('down');
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      for (const k of this.wanted.values()) this.send({ type: 'subscribe', ...k });
      this.setStatus('up');
    };
    ws.onmessage = (m) => {
      if (this.ws !== ws || typeof m.data !== 'string') return;
      let msg: any;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      if (msg?.type === 'hello' && typeof msg.serverTime === 'number') {
        this.handlers.onHello?.(msg.serverTime);
      } else if (msg?.type === 'subscribed') {
        const k = { date: msg.date, employeeId: Number(msg.employeeId) };
        if (this.wanted.has(keyOf(k))) this.handlers.onSubscribed(k);
      } else if (msg?.type === 'refetch') {
        // The server may have missed events (its Redis subscriber reconnected): reload every watched day.
        for (const k of this.wanted.values()) this.handlers.onSubscribed(k);
      } else if (typeof msg?.type === 'string' && msg.type.startsWith('slot_')) {
        const k = { date: msg.date, employeeId: Number(msg.employeeId) };
        if (this.wanted.has(keyOf(k))) this.handlers.onEvent({ ...msg, employeeId: k.employeeId });
      }
    };
    // Browsers always follow an error with close; reconnecting there alone avoids doing it twice.
    ws.onerror = () => {};
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setStatus('down');
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect() {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, this.deps.random);
    this.timer = this.deps.setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }
}
