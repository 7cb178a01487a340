import { isIP } from 'node:net';

/**
 * Which IP addresses an outbound request (webhook delivery, calendar fetch)
 * may connect to. A site owner types these URLs into wp-admin, so without a
 * rule the sidecar would fetch whatever its own network can reach: the cloud
 * metadata service, Redis, the WordPress admin on localhost.
 *
 * The rule is on addresses, not names, and is applied to the address the
 * socket is about to connect to (see guarded-lookup.ts). Tables rather than a
 * library: the list is short, each range is written out beside the reason it
 * is refused, and the tests walk every boundary.
 */

export type AddressRefusal = 'loopback' | 'private' | 'link_local' | 'unspecified' | 'multicast' | 'reserved' | 'not_an_ip';

/** Answers why an address is refused, or undefined when it may be connected to. */
export type AddressPolicy = (address: string) => AddressRefusal | undefined;

interface Range {
  bytes: number[];
  bits: number;
  refusal: AddressRefusal;
}

const range = (bytes: number[], bits: number, refusal: AddressRefusal): Range => ({ bytes, bits, refusal });

// IANA IPv4 special-purpose registry, minus the few blocks that are globally
// routed on purpose (AS112, AMT), plus carrier-grade NAT (RFC 6598).
const IPV4_REFUSED: Range[] = [
  range([0, 0, 0, 0], 8, 'unspecified'), // "this network"; 0.0.0.0 reaches localhost on Linux
  range([10, 0, 0, 0], 8, 'private'),
  range([100, 64, 0, 0], 10, 'private'), // carrier-grade NAT, often the provider's internal network
  range([127, 0, 0, 0], 8, 'loopback'),
  range([169, 254, 0, 0], 16, 'link_local'), // includes the metadata service 169.254.169.254
  range([172, 16, 0, 0], 12, 'private'),
  range([192, 0, 0, 0], 24, 'reserved'), // IETF protocol assignments (DS-Lite, NAT64 discovery)
  range([192, 0, 2, 0], 24, 'reserved'), // TEST-NET-1
  range([192, 88, 99, 0], 24, 'reserved'), // former 6to4 relay anycast
  range([192, 168, 0, 0], 16, 'private'),
  range([198, 18, 0, 0], 15, 'reserved'), // benchmarking
  range([198, 51, 100, 0], 24, 'reserved'), // TEST-NET-2
  range([203, 0, 113, 0], 24, 'reserved'), // TEST-NET-3
  range([224, 0, 0, 0], 4, 'multicast'),
  range([240, 0, 0, 0], 4, 'reserved'), // class E and the broadcast address
];

// IPv6 is decided the other way round: only global unicast (2000::/3) may be
// reached, minus the special blocks inside it. Outside 2000::/3 only the two
// forms that carry an IPv4 address an ordinary resolver may hand out are
// looked into (IPv4-mapped, and NAT64 as synthesised by DNS64 on IPv6-only
// networks); their embedded address gets the IPv4 rule.
const IPV6_NAMED: Range[] = [
  range([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 128, 'unspecified'),
  range([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, 'loopback'),
  range([0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, 'private'), // local-use NAT64 (RFC 8215): the operator's own translator
  range([0xfc], 7, 'private'), // unique local
  range([0xfe, 0x80], 10, 'link_local'),
  range([0xfe, 0xc0], 10, 'private'), // deprecated site-local
  range([0xff], 8, 'multicast'),
];
const IPV6_GLOBAL_EXCEPTIONS: Range[] = [
  range([0x20, 0x01, 0x00, 0x00], 23, 'reserved'), // IETF protocol assignments, Teredo (embeds an obfuscated IPv4)
  range([0x20, 0x01, 0x0d, 0xb8], 32, 'reserved'), // documentation
  range([0x20, 0x02], 16, 'reserved'), // 6to4 (deprecated; embeds an IPv4 that may be private)
  range([0x3f, 0xff, 0x00], 20, 'reserved'), // documentation (RFC 9637)
];
const IPV4_MAPPED = range([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96, 'reserved');
const NAT64_WELL_KNOWN = range([0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96, 'reserved');
const GLOBAL_UNICAST = range([0x20], 3, 'reserved');

function matches(addr: Uint8Array, r: Range): boolean {
  const full = r.bits >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== (r.bytes[i] ?? 0)) return false;
  const rest = r.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (addr[full]! & mask) === ((r.bytes[full] ?? 0) & mask);
}

export function ipv4Bytes(address: string): Uint8Array | undefined {
  if (isIP(address) !== 4) return undefined;
  return Uint8Array.from(address.split('.').map(Number));
}

/** The 16 bytes of an IPv6 address (with or without a zone, with an embedded dotted IPv4 or not). */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(bare) !== 6) return undefined;
  let text = bare;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4Bytes(dotted[1]!)!;
    tail.push(...v4);
    text = text.slice(0, -dotted[1]!.length) + '0:0'; // two placeholder groups, replaced below
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g !== '') : []);
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const zeros = rest === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...Array<string>(zeros).fill('0'), ...right].map((g) => parseInt(g, 16));
  if (all.length !== 8) return undefined;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tail.length) out.set(tail, 12);
  return out;
}

function classifyV4(bytes: Uint8Array): AddressRefusal | undefined {
  return IPV4_REFUSED.find((r) => matches(bytes, r))?.refusal;
}

function classifyV6(bytes: Uint8Array): AddressRefusal | undefined {
  const named = IPV6_NAMED.find((r) => matches(bytes, r));
  if (named) return named.refusal;
  if (matches(bytes, IPV4_MAPPED) || matches(bytes, NAT64_WELL_KNOWN)) return classifyV4(bytes.subarray(12));
  if (!matches(bytes, GLOBAL_UNICAST)) return 'reserved';
  return IPV6_GLOBAL_EXCEPTIONS.find((r) => matches(bytes, r))?.refusal;
}

/** Why this address may not be connected to by default, or undefined when it is a public unicast address. */
export function classifyAddress(address: string): AddressRefusal | undefined {
  const v4 = ipv4Bytes(address);
  if (v4) return classifyV4(v4);
  const v6 = ipv6Bytes(address);
  if (v6) return classifyV6(v6);
  return 'not_an_ip';
}

/**
 * The policy for `OUTBOUND_ALLOW_PRIVATE`: by default only public unicast
 * addresses; with the switch on (development, an intranet receiver) anything
 * that is an IP address — including the metadata service, which is why the
 * switch is off unless the operator means it.
 */
export function addressPolicy(options: { allowPrivate: boolean }): AddressPolicy {
  if (options.allowPrivate) return (address) => (isIP(address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')) ? undefined : 'not_an_ip');
  return classifyAddress;
}

export function describeRefusal(refusal: AddressRefusal): string {
  switch (refusal) {
    case 'loopback':
      return 'a loopback address';
    case 'private':
      return 'a private network address';
    case 'link_local':
      return 'a link-local address';
    case 'unspecified':
      return 'an unspecified address';
    case 'multicast':
      return 'a multicast address';
    case 'reserved':
      return 'a reserved address';
    case 'not_an_ip':
      return 'not an IP address';
  }
}
