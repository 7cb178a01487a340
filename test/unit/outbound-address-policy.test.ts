import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressPolicy, classifyAddress, ipv6Bytes } from '../../server/src/outbound/address-policy';

describe('outbound address rule', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['169.254.169.254', 'link_local'],
    ['169.254.0.1', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.170', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['64:ff9b:1::8.8.8.8', 'private'],
    ['::127.0.0.1', 'reserved'], // the deprecated IPv4-compatible form
    ['::ffff:0:127.0.0.1', 'reserved'], // SIIT's IPv4-translated form
    ['100::1', 'reserved'],
    ['2001::1', 'reserved'], // Teredo
    ['2001:db8::1', 'reserved'],
    ['2002:7f00:1::1', 'reserved'], // 6to4 around 127.0.0.1
    ['3fff::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'not_an_ip'],
    ['localhost', 'not_an_ip'],
  ])('refuses %s (%s)', (address, refusal) => {
    expect(classifyAddress(address)).toBe(refusal);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '100.63.255.255', // just below carrier-grade NAT
    '100.128.0.0', // just above
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '192.0.3.1',
    '192.167.255.255',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '2001:4860:4860::8888', // outside 2001::/23
    '2001:200::1', // first block after 2001::/23
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8', // NAT64 for a public IPv4 (an IPv6-only network with DNS64)
    '3fff:1000::1', // just above 3fff::/20
  ])('allows the public address %s', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });

  it('OUTBOUND_ALLOW_PRIVATE lets any IP address through, but still only IP addresses', () => {
    const open = addressPolicy({ allowPrivate: true });
    expect(open('127.0.0.1')).toBeUndefined();
    expect(open('169.254.169.254')).toBeUndefined();
    expect(open('::1')).toBeUndefined();
    expect(open('example.com')).toBe('not_an_ip');
    expect(addressPolicy({ allowPrivate: false })('127.0.0.1')).toBe('loopback');
  });

  it('parses every spelling of an IPv6 address to the same 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const groups = Array.from({ length: 8 }, (_, i) => ((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!).toString(16));
        const full = groups.join(':');
        const canonical = new URL(`http://[${full}]/`).hostname.slice(1, -1); // WHATWG compresses the longest zero run
        const dotted = `${groups.slice(0, 6).join(':')}:${Array.from(bytes.subarray(12)).join('.')}`;
        for (const spelling of [full, canonical, dotted]) expect(Array.from(ipv6Bytes(spelling)!)).toEqual(Array.from(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('gives an IPv4 address inside the mapped and NAT64 forms the IPv4 answer', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const expected = classifyAddress(v4);
        expect(classifyAddress(`::ffff:${v4}`)).toBe(expected);
        expect(classifyAddress(`64:ff9b::${v4}`)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses every address of a refused block, not just its first', () => {
    const inBlock = (a: number, b: number, c: number) => `${a}.${b}.${c}.${(a * 7 + c) & 255}`;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (b, c) => {
        expect(classifyAddress(inBlock(10, b, c))).toBe('private');
        expect(classifyAddress(inBlock(127, b, c))).toBe('loopback');
        expect(classifyAddress(`172.${16 + (b & 15)}.${c}.1`)).toBe('private');
        expect(classifyAddress(`100.${64 + (b & 63)}.${c}.1`)).toBe('private');
        expect(classifyAddress(`169.254.${b}.${c}`)).toBe('link_local');
        expect(classifyAddress(`${224 + (b & 15)}.${c}.0.1`)).toBe('multicast');
      }),
    );
  });
});
