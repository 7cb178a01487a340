import type { IncomingMessage } from 'node:http';

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
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

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
