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
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header.join(',') : header;
    const last = value?.split(',').map((s) => s.trim()).filter(Boolean).pop();
    if (last) ip = last;
  }
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
