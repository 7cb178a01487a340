import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/logger';
import type { Redis } from '../../server/src/redis/connections';
import { SentinelWatch } from '../../server/src/redis/sentinel-watch';

/** Just what the watch reads of a connection: its status, its socket's peer, disconnect(). */
function fakeConnection(status: string, remoteAddress: string, remotePort: number) {
  const c = Object.assign(new EventEmitter(), {
    status,
    stream: { remoteAddress, remotePort },
    reconnects: 0,
    disconnect(reconnect: boolean) {
      if (reconnect) c.reconnects++;
    },
  });
  return c;
}

const target = { url: 'redis://x', sentinels: [], sentinelName: 'mymaster', sentinelPassword: '' };

describe('SentinelWatch', () => {
  it('moves a ready connection that is on another primary than the announced one, once per switch', async () => {
    const stale = fakeConnection('ready', '10.0.0.1', 6379);
    const current = fakeConnection('ready', '10.0.0.2', 6379);
    const reconnecting = fakeConnection('reconnecting', '10.0.0.1', 6379);
    const watch = new SentinelWatch(target, [stale, current, reconnecting] as unknown as Redis[], createLogger({ logLevel: 'silent' }));
    const announce = (m: string) => (watch as unknown as { onSwitch(m: string): Promise<void> }).onSwitch(m);

    await announce('mymaster 10.0.0.1 6379 10.0.0.2 6379');
    // Every sentinel announces the same switch: the old socket may still be closing.
    await announce('mymaster 10.0.0.1 6379 10.0.0.2 6379');
    expect([stale.reconnects, current.reconnects, reconnecting.reconnects]).toEqual([1, 0, 0]);
    await announce('othermaster 10.0.0.2 6379 10.0.0.9 6379');
    expect(current.reconnects).toBe(0);
  });

  it('compares by address when the sentinels announce hostnames, and by port', async () => {
    const onLocalhost = fakeConnection('ready', '127.0.0.1', 6380);
    const mapped = fakeConnection('ready', '::ffff:127.0.0.1', 6380);
    const otherPort = fakeConnection('ready', '127.0.0.1', 6379);
    const watch = new SentinelWatch(target, [onLocalhost, mapped, otherPort] as unknown as Redis[], createLogger({ logLevel: 'silent' }));
    await (watch as unknown as { onSwitch(m: string): Promise<void> }).onSwitch('mymaster old 6379 localhost 6380');
    expect([onLocalhost.reconnects, mapped.reconnects, otherPort.reconnects]).toEqual([0, 0, 1]);
  });
});
