import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

/**
 * The client's IP, for per-client caps and rate limits. X-Forwarded-For is
 * believed only with TRUST_PROXY, and then only its last entry: the address
 * our own proxy saw (entries before it are whatever the client claimed).
 * The same rule serves HTTP requests and the WebSocket upgrade.
 */
export function clientIpOf(req: IncomingMessage, trustProxy: boolean): string {
  let ip = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy) {
    const last = lastForwardedFor(req.headers['x-forwarded-for']);
    if (last) ip = last;
  }
  // ::ffff:192.0.2.7 is how a dual-stack socket reports an IPv4 client (other spellings: clientGroupOf).
  return ip.startsWith(':') && IPV4_MAPPED_DOTTED.test(ip) ? ip.slice(7) : ip;
}

const IPV4_MAPPED_DOTTED = /^::ffff:\d{1,3}(\.\d{1,3}){3}$/i;

/** The last non-empty entry of X-Forwarded-For (every lock and code request reads it: no arrays). */
function lastForwardedFor(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return undefined;
  let end = value.length;
  while (end > 0) {
    const start = value.lastIndexOf(',', end - 1) + 1;
    const entry = value.slice(start, end).trim();
    if (entry) return entry;
    end = start - 1;
  }
  return undefined;
}

/**
 * Who a per-client limit counts (holds' MAX_LOCKS_PER_CLIENT, code requests,
 * code guesses, WebSocket connections per IP). An IPv6 subscriber is handed a
 * whole /64 at least, so one client could otherwise pose as 2^64 clients:
 * IPv6 addresses count by their /64 (`2001:db8:1:2::/64`). IPv4, and IPv4
 * written as IPv6 (`::ffff:192.0.2.7`), counts per address. A port a proxy
 * may have appended (`192.0.2.7:5123`, `[2001:db8::1]:443`) is dropped.
 */
export function clientGroupOf(ip: string): string {
  // The common case first, without parsing: a plain IPv4 address.
  if (!ip.includes(':')) return ip;
  let addr = ip;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(addr);
  if (bracketed) addr = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(addr)) return addr.slice(0, addr.indexOf(':'));
  const zone = addr.indexOf('%');
  if (zone >= 0) addr = addr.slice(0, zone);
  if (!isIPv6(addr)) return ip.length > 100 ? ip.slice(0, 100) : ip;
  const groups = ipv6Groups(addr);
  // ::ffff:a.b.c.d (IPv4-mapped): the IPv4 address it stands for.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 as two groups). */
function ipv6Groups(addr: string): number[] {
  let text = addr.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
