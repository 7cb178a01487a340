import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { keepSubscribed, type Redis } from '../../server/src/redis/connections';

/** Enough of an ioredis connection for keepSubscribed: status, 'ready', subscribe. */
class FakeConnection extends EventEmitter {
  status = 'connecting';
  calls: string[][] = [];
  /** What the next SUBSCRIBE answers: a connection that closes before the reply rejects it. */
  next: 'ok' | 'closed' = 'ok';
  subscribe(...channels: string[]): Promise<number> {
    this.calls.push(channels);
    return this.next === 'ok' ? Promise.resolve(channels.length) : Promise.reject(new Error('Connection is closed.'));
  }
  connectAgain(answer: 'ok' | 'closed') {
    this.next = answer;
    this.status = 'ready';
    this.emit('ready');
  }
}

describe('keepSubscribed', () => {
  it('subscribes on every connect, and a SUBSCRIBE cut off by the connection closing goes to onError, never unhandled', async () => {
    const conn = new FakeConnection();
    const errors: string[] = [];
    let confirmed = 0;
    keepSubscribed(conn as unknown as Redis, ['a', 'b'], { onSubscribed: () => confirmed++, onError: (err) => errors.push(err.message) });
    expect(conn.calls).toEqual([]); // not connected yet: nothing sent
    conn.connectAgain('ok');
    conn.connectAgain('closed'); // Redis went away again before answering (ioredis's own re-subscribe left this unhandled)
    conn.connectAgain('ok');
    await new Promise((r) => setImmediate(r));
    expect(conn.calls).toEqual([['a', 'b'], ['a', 'b'], ['a', 'b']]);
    expect(confirmed).toBe(2);
    expect(errors).toEqual(['Connection is closed.']);
  });

  it('subscribes at once when the connection is already up', async () => {
    const conn = new FakeConnection();
    conn.status = 'ready';
    keepSubscribed(conn as unknown as Redis, ['c'], { onError: () => {} });
    expect(conn.calls).toEqual([['c']]);
  });
});
