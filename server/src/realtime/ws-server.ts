import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Config } from '../config';
import { fail, notFound, type AppError } from '../errors';
import { clientGroupOf, clientIpOf } from '../http/client-ip';
import { originAllowed, originContext } from '../http/origin';
import { adminTokenProblem, verifyAdminToken } from '../services/admin-token';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { SlotEvent, SlotEventHub } from './events';
import { adminView, CLOSE, frames, MAX_FRAME_BYTES, MAX_SUBSCRIPTIONS, parseClientMessage, publicView, subscriptionKey, WS_PATH } from './protocol';
import { SubscriptionIndex } from './subscriptions';

/** Per-connection state: three small fields; subscriptions live in the shared index. */
interface ClientState {
  ip: string;
  alive: boolean;
  /** Admin feed until this instant (the token's exp); 0 = public socket. */
  adminUntil: number;
}

export interface RealtimeOptions {
  maxConnectionsPerIp: number;
  pingIntervalMs: number;
  maxBufferedBytes: number;
}

const SEND_TEXT = { binary: false } as const;
/**
 * Sends per event-loop turn. A fan-out to 10,000 sockets done in one go
 * blocks the loop long enough for Redis replies to miss their command timeout
 * (tripping the breaker) and HTTP requests to stall; in slices, I/O gets a
 * turn between them while events still leave in order.
 */
const SENDS_PER_TURN = 1_000;

interface FanOutJob {
  frame: Buffer;
  sockets: Iterator<WebSocket>;
  /** Admin sockets get the admin form of the event instead. */
  skipAdmins: boolean;
}

/** What the WebSocket server is given by deps.ts (nothing more: it sits below the composition root). */
export interface RealtimeDeps {
  config: Pick<Config, 'allowedOrigins' | 'trustProxy' | 'secret' | 'websocket'>;
  hub: SlotEventHub;
  logger: Logger;
  metrics: Pick<Metrics, 'wsClients'>;
}

/**
 * The WebSocket endpoint of CONTRACT §8 on the sidecar's own HTTP server.
 *
 * Memory per idle connection is what `ws` and the TCP socket need plus one
 * small state object: no compression contexts, no per-socket closures (the
 * listeners are shared functions that find their state in a Map), and each
 * event is serialised once per fan-out, not once per socket.
 */
export class RealtimeServer {
  private readonly wss: WebSocketServer;
  private readonly clients = new Map<WebSocket, ClientState>();
  private readonly admins = new Set<WebSocket>();
  private readonly perIp = new Map<string, number>();
  private readonly subscriptions = new SubscriptionIndex<WebSocket>(MAX_SUBSCRIPTIONS);
  private readonly pingTimer: NodeJS.Timeout;
  private readonly unhook: (() => void)[] = [];
  private closing: Promise<void> | undefined;
  private readonly queue: FanOutJob[] = [];
  private draining = false;
  private readonly drainLater = () => this.drain();

  // Shared listeners: `this` is the socket, so no closure is made per connection.
  private readonly onMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;
  private readonly upgradeListener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

  /** The HTTP server whose upgrades this one takes (see attach). */
  private http: Server | undefined;

  constructor(
    private readonly deps: RealtimeDeps,
    private readonly options: RealtimeOptions = deps.config.websocket,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false });
    const self = this;
    this.onMessage = function (data, isBinary) {
      self.handleMessage(this, data, isBinary);
    };
    this.onPong = function () {
      const state = self.clients.get(this);
      if (state) state.alive = true;
    };
    this.onClose = function () {
      self.forget(this);
    };
    this.upgradeListener = (req, socket, head) => this.handleUpgrade(req, socket, head);

    this.unhook.push(deps.hub.onEvent((e) => this.fanOut(e)));
    this.unhook.push(deps.hub.onRefetch(() => this.broadcast(frames.refetch)));

    this.pingTimer = setInterval(() => this.heartbeat(), options.pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Takes the WebSocket upgrades of `http` (startServer calls this once it has made the server). */
  attach(http: Server): void {
    if (this.http) throw new Error('RealtimeServer is already attached');
    this.http = http;
    http.on('upgrade', this.upgradeListener);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroySocket);
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== WS_PATH) return this.refuse(socket, notFound('No such route'));
    if (this.closing) return this.refuse(socket, fail('unavailable', 'Shutting down'));
    const { allowedOrigins, trustProxy } = this.deps.config;
    if (!originAllowed(req, allowedOrigins, trustProxy)) return this.refuse(socket, fail('forbidden'), originContext(req));
    // Counted per IPv4 address or IPv6 /64, like every per-client limit.
    const ip = clientGroupOf(clientIpOf(req, trustProxy));
    if ((this.perIp.get(ip) ?? 0) >= this.options.maxConnectionsPerIp) {
      return this.refuse(socket, fail('rate_limited', 'connections', 30));
    }
    // ws completes the handshake synchronously (no verifyClient), so the count
    // cannot be overtaken between the check above and accept().
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ip));
  }

  /**
   * Refuses an upgrade, with a warn line (no client address) under the request id
   * the response carries. Unknown paths are scanners' noise: not logged.
   */
  private refuse(socket: Duplex, error: AppError, context: Record<string, unknown> = {}): void {
    const requestId = randomUUID();
    const { status, code, message } = error;
    if (status !== 404) this.deps.logger.warn({ requestId, status, code, route: WS_PATH, upgrade: true, ...context }, `refused websocket: ${message}`);
    refuse(socket, error, { ...error.headers, 'X-Request-Id': requestId });
  }

  private accept(ws: WebSocket, ip: string): void {
    this.clients.set(ws, { ip, alive: true, adminUntil: 0 });
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    ws.on('message', this.onMessage);
    ws.on('pong', this.onPong);
    ws.on('close', this.onClose);
    // Oversized frames and protocol errors: ws closes with the right code (1009, 1002) itself.
    ws.on('error', ignoreError);
    this.deps.metrics.wsClients.set(this.clients.size);
    ws.send(frames.hello(Date.now()));
  }

  private forget(ws: WebSocket): void {
    const state = this.clients.get(ws);
    if (!state) return;
    this.clients.delete(ws);
    this.admins.delete(ws);
    this.subscriptions.removeAll(ws);
    const n = (this.perIp.get(state.ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(state.ip);
    else this.perIp.set(state.ip, n);
    this.deps.metrics.wsClients.set(this.clients.size);
  }

  private handleMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    const state = this.clients.get(ws);
    if (!state) return;
    const msg = isBinary ? undefined : parseClientMessage(data.toString());
    if (!msg) return this.send(ws, frames.invalidMessage);
    switch (msg.type) {
      case 'subscribe': {
        const result = this.subscriptions.add(ws, subscriptionKey(msg.date, msg.employeeId));
        return this.send(ws, result === 'full' ? frames.tooManySubscriptions : frames.subscribed(msg.date, msg.employeeId));
      }
      case 'unsubscribe':
        this.subscriptions.remove(ws, subscriptionKey(msg.date, msg.employeeId));
        return this.send(ws, frames.unsubscribed(msg.date, msg.employeeId));
      case 'auth': {
        const admin = verifyAdminToken(msg.token, this.deps.config.secret);
        if (!admin) {
          this.deps.logger.warn(
            { requestId: randomUUID(), check: 'websocket admin token', reason: adminTokenProblem(msg.token, this.deps.config.secret) },
            'refused: websocket admin authentication',
          );
          return this.send(ws, frames.unauthorized);
        }
        state.adminUntil = admin.expiresAt;
        this.admins.add(ws);
        return this.send(ws, frames.authenticated);
      }
    }
  }

  /** One event to its day's subscribers and to every admin socket, serialised once for each audience. */
  private fanOut(e: SlotEvent): void {
    if (this.admins.size > 0) {
      const now = Date.now();
      let frame: Buffer | undefined;
      for (const ws of this.admins) {
        const state = this.clients.get(ws);
        if (!state || state.adminUntil <= now) {
          // The admin token ran out: back to a public socket until it authenticates again.
          this.admins.delete(ws);
          if (state) state.adminUntil = 0;
          this.send(ws, frames.unauthorized);
          continue;
        }
        frame ??= Buffer.from(JSON.stringify(adminView(e)));
        this.send(ws, frame);
      }
    }
    const watchers = this.subscriptions.subscribers(subscriptionKey(e.date, e.employeeId));
    if (!watchers || watchers.size === 0) return;
    this.enqueue({ frame: Buffer.from(JSON.stringify(publicView(e))), sockets: watchers[Symbol.iterator](), skipAdmins: true });
  }

  private broadcast(frame: Buffer): void {
    this.enqueue({ frame, sockets: this.clients.keys(), skipAdmins: false });
  }

  /** Jobs run in order; the first slice goes out at once, the rest on the following turns. */
  private enqueue(job: FanOutJob): void {
    this.queue.push(job);
    if (!this.draining) this.drain();
  }

  private drain(): void {
    this.draining = true;
    let budget = SENDS_PER_TURN;
    while (budget > 0 && this.queue.length > 0) {
      const job = this.queue[0]!;
      // Live Set iterators: sockets that close meanwhile are simply not visited.
      for (let next = job.sockets.next(); ; next = job.sockets.next()) {
        if (next.done) {
          this.queue.shift();
          break;
        }
        if (job.skipAdmins && this.admins.has(next.value)) continue;
        this.send(next.value, job.frame);
        if (--budget === 0) break;
      }
    }
    if (this.queue.length > 0) setImmediate(this.drainLater);
    else this.draining = false;
  }

  /** Sends, and drops a peer whose unsent backlog has passed the bound: a slow phone must not grow our memory. */
  private send(ws: WebSocket, frame: Buffer | string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(frame, SEND_TEXT);
    if (ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.deps.logger.debug({ buffered: ws.bufferedAmount }, 'websocket consumer too slow: dropped');
      // A close frame would queue behind the backlog; cut the connection instead.
      ws.terminate();
    }
  }

  private heartbeat(): void {
    for (const [ws, state] of this.clients) {
      if (!state.alive) {
        ws.terminate();
        continue;
      }
      state.alive = false;
      ws.ping();
    }
  }

  /** Says goodbye (1001) to every socket, then cuts those that do not close within a second. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.pingTimer);
      this.queue.length = 0;
      for (const off of this.unhook) off();
      this.http?.off('upgrade', this.upgradeListener);
      const open = [...this.clients.keys()];
      await Promise.all(
        open.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              const timer = setTimeout(() => {
                ws.terminate();
                resolve();
              }, 1_000);
              ws.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              ws.close(CLOSE.goingAway, 'server shutting down');
            }),
        ),
      );
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    })();
    return this.closing;
  }
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

function ignoreError(): void {}

const REASONS: Record<number, string> = { 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/** Refuses an upgrade with a plain HTTP response in the contract's error shape, then closes the socket. */
function refuse(socket: Duplex, { status, code, message }: AppError, headers: Record<string, string>): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: { code, message } });
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.once('finish', destroySocket);
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
