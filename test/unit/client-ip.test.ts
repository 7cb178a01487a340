import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIpOf } from '../../server/src/http/client-ip';

const req = (remoteAddress: string | undefined, xff?: string | string[]) =>
  ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('clientIpOf', () => {
  it('uses the socket address without TRUST_PROXY, whatever the header claims', () => {
    expect(clientIpOf(req('10.0.0.5', '1.2.3.4'), false)).toBe('10.0.0.5');
    expect(clientIpOf(req(undefined), false)).toBe('unknown');
  });

  it('strips the IPv4-mapped IPv6 prefix', () => {
    expect(clientIpOf(req('::ffff:127.0.0.1'), false)).toBe('127.0.0.1');
    expect(clientIpOf(req('10.0.0.5', '::ffff:192.0.2.7'), true)).toBe('192.0.2.7');
    expect(clientIpOf(req('::1'), false)).toBe('::1');
  });

  it('believes only the last X-Forwarded-For entry with TRUST_PROXY', () => {
    expect(clientIpOf(req('10.0.0.5', '1.2.3.4'), true)).toBe('1.2.3.4');
    expect(clientIpOf(req('10.0.0.5', 'spoofed, 1.2.3.4'), true)).toBe('1.2.3.4');
    expect(clientIpOf(req('10.0.0.5', ' spoofed ,  198.51.100.9  '), true)).toBe('198.51.100.9');
    expect(clientIpOf(req('10.0.0.5', '2001:db8::1'), true)).toBe('2001:db8::1');
  });

  it('skips empty trailing entries and joins repeated headers in order', () => {
    expect(clientIpOf(req('10.0.0.5', '1.2.3.4, ,'), true)).toBe('1.2.3.4');
    expect(clientIpOf(req('10.0.0.5', ['spoofed', '203.0.113.4']), true)).toBe('203.0.113.4');
    expect(clientIpOf(req('10.0.0.5', ['203.0.113.4', ' ']), true)).toBe('203.0.113.4');
  });

  it('falls back to the socket address when the header has no entry', () => {
    expect(clientIpOf(req('10.0.0.5', ''), true)).toBe('10.0.0.5');
    expect(clientIpOf(req('10.0.0.5', ' , ,'), true)).toBe('10.0.0.5');
    expect(clientIpOf(req('10.0.0.5', ','), true)).toBe('10.0.0.5');
  });
});
