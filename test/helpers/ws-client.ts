import { WebSocket, type ClientOptions } from 'ws';

export type Message = Record<string, unknown> & { type: string };

/**
 * A WebSocket test client that records every message, so a test can wait for
 * the one it expects (in any order) or check that none of a kind arrived.
 */
export class TestSocket {
  readonly messages: Message[] = [];
  private readonly taken = new Set<number>();
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.messages.push(JSON.parse(data.toString()) as Message);
      for (const w of this.waiters) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  /** Opens a socket and waits for the server's hello. */
  static async open(url: string, options: ClientOptions = {}): Promise<TestSocket> {
    const ws = new WebSocket(url, options);
    const s = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await s.next((m) => m.type === 'hello');
    return s;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first not yet consumed message matching `match`, waiting up to `timeoutMs`. */
  async next(match: (m: Message) => boolean, timeoutMs = 3_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex((m, idx) => !this.taken.has(idx) && match(m));
      if (i >= 0) {
        this.taken.add(i);
        return this.messages[i]!;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const waiter = () => done();
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push(waiter);
      });
      this.waiters = [];
    }
  }

  /** Sends a request and waits for its reply. */
  async request(message: unknown, match: (m: Message) => boolean): Promise<Message> {
    this.send(message);
    return this.next(match);
  }

  count(match: (m: Message) => boolean): number {
    return this.messages.filter(match).length;
  }

  close(): void {
    this.ws.close();
  }
}

/** The upgrade's refusal status (403, 404, 429…), or 101 when the server accepted. */
export function upgradeStatus(url: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      resolve(101);
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

export function wsUrl(httpUrl: string, path = '/appointease/v1/ws'): string {
  return httpUrl.replace(/^http/, 'ws') + path;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true or the deadline passes. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, stepMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(stepMs);
  }
}
