import { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { formatAddress, serverAddress, type RedisTarget } from './connections';

/**
 * Follows the sentinels' `+switch-master` announcements and moves our
 * connections off a primary that is no longer the primary.
 *
 * A primary that dies closes our sockets, and ioredis's reconnect loop asks
 * the sentinels for the new one by itself. A primary that hangs (a paused VM,
 * a network cut) does not: the socket stays open, every command times out,
 * and without this the sidecar would stay on the MySQL fallback until the old
 * primary woke up. ioredis has a `failoverDetector` for this, but in ioredis
 * 5 it (1) drops the connection on every announcement, including the late
 * ones that arrive after we already reconnected to the new primary (a second
 * breaker trip and a second refetch storm, seen in the failover test), and
 * (2) can end a client for good when the announcement lands while a
 * reconnect is asking a sentinel (14 of 20 clients in a test). Here a
 * connection is only moved when it is ready and on another address than
 * the one announced, which never races a reconnect.
 *
 * One subscriber link per sentinel per process, whatever the number of
 * connections it looks after.
 */
export class SentinelWatch {
  private readonly links: Redis[] = [];
  /** Connections told to move whose old socket has not closed yet (a hung peer takes `disconnectTimeout`). */
  private readonly moving = new Set<Redis>();

  constructor(
    private readonly target: RedisTarget,
    private readonly connections: Redis[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const sentinel of this.target.sentinels) {
      const link = new Redis({
        host: sentinel.host,
        port: sentinel.port,
        password: this.target.sentinelPassword || undefined,
        lazyConnect: true,
        connectTimeout: 1_000,
        // A sentinel that is down is simply retried; the others keep watching.
        retryStrategy: () => 1_000,
        maxRetriesPerRequest: null,
        autoResubscribe: true,
      });
      link.on('error', (err) => this.logger.debug({ err: err.message, sentinel: `${sentinel.host}:${sentinel.port}` }, 'sentinel watch link error'));
      link.on('message', (_channel: string, message: string) => this.onSwitch(message));
      link.subscribe('+switch-master').catch(() => {});
      link.connect().catch(() => {});
      this.links.push(link);
    }
  }

  /** `<name> <old-ip> <old-port> <new-ip> <new-port>`; every sentinel announces each switch. */
  private onSwitch(message: string): void {
    const [name, , , ip, port] = message.split(' ');
    if (name !== this.target.sentinelName || !ip || !port) return;
    const primary = formatAddress(ip, Number(port));
    for (const connection of this.connections) {
      const current = serverAddress(connection);
      if (current === null || current === primary || this.moving.has(connection)) continue;
      this.logger.warn({ from: current, to: primary }, 'sentinels promoted a new primary: reconnecting');
      this.moving.add(connection);
      connection.once('close', () => this.moving.delete(connection));
      connection.disconnect(true);
    }
  }

  close(): void {
    for (const link of this.links.splice(0)) link.disconnect();
  }
}
