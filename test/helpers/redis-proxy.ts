import { createServer, Socket, type Server } from 'node:net';

export interface CuttableProxy {
  url: string;
  /** Drops every connection and refuses new ones: Redis is gone for whoever connects through here. */
  cut(): void;
  restore(): void;
  /**
   * Holds Redis's replies for `ms` (commands still reach Redis and run at
   * once), then lets them through in order: a network hiccup or a Redis that
   * answers late, without anything being lost.
   */
  holdReplies(ms: number): void;
  /** Calls `hook` with every chunk going to Redis, after it was forwarded (a test can stall the process there). */
  onCommand(hook: ((chunk: Buffer) => void) | undefined): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a Redis: one instance can be in an outage while
 * another, connected directly, is not (a partition, a failing network path),
 * or hear its replies late.
 */
export async function startCuttableProxy(targetPort: number): Promise<CuttableProxy> {
  let open = true;
  let holdUntil = 0;
  let commandHook: ((chunk: Buffer) => void) | undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = new Socket();
    upstream.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      commandHook?.(chunk);
    });
    // Replies keep their order: while some are held, later ones queue behind them.
    const held: Buffer[] = [];
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = () => {
      flushTimer = undefined;
      const wait = holdUntil - Date.now();
      if (wait > 0) return void (flushTimer = setTimeout(flush, wait));
      for (const b of held.splice(0)) client.write(b);
    };
    upstream.on('data', (chunk: Buffer) => {
      if (held.length === 0 && Date.now() >= holdUntil) return void client.write(chunk);
      held.push(chunk);
      flushTimer ??= setTimeout(flush, Math.max(0, holdUntil - Date.now()));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    holdReplies(ms: number) {
      holdUntil = Date.now() + ms;
    },
    onCommand(hook) {
      commandHook = hook;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Blocks this process's event loop for `ms`: what a long synchronous task (or a starved CPU) does to every timer and socket in it. */
export function stallEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}
