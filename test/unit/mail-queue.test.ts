import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { MailQueue } from '../../server/src/mail/queue';
import type { MailMessage, MailTransport } from '../../server/src/mail/message';

const logger = pino({ level: 'silent' });
const msg = (n: number): MailMessage => ({ kind: 'otp', to: `u${n}@example.com`, subject: 's', text: 't', html: 'h' });

function flaky(failures: number): MailTransport & { calls: string[] } {
  let left = failures;
  const calls: string[] = [];
  return {
    name: 'fake',
    calls,
    async send(m) {
      calls.push(m.to);
      if (left-- > 0) throw new Error('421 try later');
    },
  };
}

describe('mail queue', () => {
  it('returns from enqueue before any sending starts', () => {
    const t = flaky(0);
    const q = new MailQueue(t, logger, { retryDelayMs: 1 });
    q.enqueue(msg(1));
    expect(t.calls).toEqual([]);
    return q.idle();
  });

  it('retries a failed message and then sends it, keeping order', async () => {
    const t = flaky(2);
    const q = new MailQueue(t, logger, { retryDelayMs: 1, attempts: 4 });
    q.enqueue(msg(1));
    q.enqueue(msg(2));
    await q.idle();
    expect(t.calls).toEqual(['u1@example.com', 'u1@example.com', 'u1@example.com', 'u2@example.com']);
    expect(q.sent).toBe(2);
    expect(q.failed).toBe(0);
  });

  it('gives up after the last attempt and goes on with the next message', async () => {
    const t = flaky(3);
    const q = new MailQueue(t, logger, { retryDelayMs: 1, attempts: 3 });
    q.enqueue(msg(1));
    q.enqueue(msg(2));
    await q.idle();
    expect(q.failed).toBe(1);
    expect(q.sent).toBe(1);
    expect(t.calls.at(-1)).toBe('u2@example.com');
  });

  it('builds deferred messages off the caller’s path, retrying a failed build', async () => {
    const t = flaky(0);
    const q = new MailQueue(t, logger, { retryDelayMs: 1 });
    let builds = 0;
    q.enqueue({
      kind: 'confirmation',
      build: async () => {
        if (++builds === 1) throw new Error('db hiccup');
        return { ...msg(3), kind: 'confirmation' };
      },
    });
    expect(builds).toBe(0);
    await q.idle();
    expect(builds).toBe(2);
    expect(t.calls).toEqual(['u3@example.com']);
  });
});
