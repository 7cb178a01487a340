import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientGroupOf, clientIpOf } from '../../server/src/http/client-ip';

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

describe('clientGroupOf: who a per-client limit counts', () => {
  it('counts IPv4 per address', () => {
    expect(clientGroupOf('192.0.2.7')).toBe('192.0.2.7');
    expect(clientGroupOf('192.0.2.8')).toBe('192.0.2.8');
  });

  it('counts every IPv6 address of one /64 as one client, whatever its spelling', () => {
    const group = '2001:db8:1:2::/64';
    for (const ip of [
      '2001:db8:1:2::1',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0DB8:0001:0002:0000:0000:0000:0001',
      '2001:db8:1:2:a:b:c:d',
      '2001:db8:1:2::192.0.2.1',
      'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::9'),
      '[2001:db8:1:2::5]',
      '[2001:db8:1:2::5]:443',
    ]) {
      expect(clientGroupOf(ip), ip).toBe(group);
    }
    expect(clientGroupOf('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientGroupOf('::1')).toBe('0:0:0:0::/64');
    expect(clientGroupOf('2001:db8::')).toBe('2001:db8:0:0::/64');
  });

  it('keeps IPv4-mapped IPv6 as the IPv4 address (dotted or hex)', () => {
    expect(clientGroupOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientGroupOf('::FFFF:c000:0207')).toBe('192.0.2.7');
    expect(clientGroupOf('0:0:0:0:0:ffff:192.0.2.7')).toBe('192.0.2.7');
  });

  it('drops a port a proxy appended', () => {
    expect(clientGroupOf('192.0.2.7:5123')).toBe('192.0.2.7');
  });

  it('leaves anything else as it is (bounded), never throws', () => {
    expect(clientGroupOf('unknown')).toBe('unknown');
    expect(clientGroupOf('not:an:address')).toBe('not:an:address');
    expect(clientGroupOf('x:'.repeat(200)).length).toBeLessThanOrEqual(100);
  });
});
