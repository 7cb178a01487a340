import type { IncomingMessage } from 'node:http';

/**
 * Browser origins allowed to call the API and open the WebSocket: those in
 * ALLOWED_ORIGINS plus the sidecar's own (its /demo page, and the site's own
 * origin when a proxy serves /appointease/v1 there). A request without an Origin
 * header is not a browser's cross-site request and is allowed.
 *
 * "Own origin" compares the Origin's host:port with the Host header; behind a
 * trusted proxy also with X-Forwarded-Host, so a proxy that rewrites Host (nginx's
 * `$host` drops the port) still passes the site's own origin. Only with
 * TRUST_PROXY: otherwise any client could send X-Forwarded-Host.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[], trustProxy = false): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  if (host === req.headers.host) return true;
  if (!trustProxy) return false;
  const forwarded = req.headers['x-forwarded-host'];
  // A chain of proxies appends: the last entry is what the nearest (ours) was asked for.
  const last = typeof forwarded === 'string' ? forwarded.slice(forwarded.lastIndexOf(',') + 1).trim() : undefined;
  return last !== undefined && last === host;
}

/** What a refused origin's log line shows: the origin and the hosts it was compared with. */
export function originContext(req: IncomingMessage): Record<string, unknown> {
  const context: Record<string, unknown> = { origin: req.headers.origin?.slice(0, 200), host: req.headers.host };
  if (req.headers['x-forwarded-host']) context.forwardedHost = req.headers['x-forwarded-host'];
  return context;
}
