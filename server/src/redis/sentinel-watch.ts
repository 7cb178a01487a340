import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { keepSubscribed, type RedisTarget } from './connections';

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
        // keepSubscribed instead (connections.ts says why).
        autoResubscribe: false,
      });
      link.on('error', (err) => this.logger.debug({ err: err.message, sentinel: `${sentinel.host}:${sentinel.port}` }, 'sentinel watch link error'));
      link.on('message', (_channel: string, message: string) => void this.onSwitch(message));
      keepSubscribed(link, ['+switch-master'], { onError: () => {} });
      link.connect().catch(() => {});
      this.links.push(link);
    }
  }

  /**
   * `<name> <old-host> <old-port> <new-host> <new-port>`; every sentinel
   * announces each switch. Hosts are addresses, or names where the sentinels
   * announce hostnames (`announce-hostnames yes`, as in docker-compose.yml):
   * those are resolved before comparing with the socket's peer.
   */
  private async onSwitch(message: string): Promise<void> {
    const [name, , , host, port] = message.split(' ');
    if (name !== this.target.sentinelName || !host || !port) return;
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    } catch {
      addresses = [];
    }
    for (const connection of this.connections) {
      if (connection.status !== 'ready' || this.moving.has(connection)) continue;
      const peer = connection.stream?.remoteAddress?.replace(/^::ffff:/, '');
      if (peer && connection.stream.remotePort === Number(port) && addresses.includes(peer)) continue;
      this.logger.warn({ from: `${peer}:${connection.stream?.remotePort}`, to: `${host}:${port}` }, 'sentinels promoted a new primary: reconnecting');
      this.moving.add(connection);
      connection.once('close', () => this.moving.delete(connection));
      connection.disconnect(true);
    }
  }

  close(): void {
    for (const link of this.links.splice(0)) link.disconnect();
  }
}
