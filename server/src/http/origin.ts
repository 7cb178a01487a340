import type { IncomingMessage } from 'node:http';

/**
 * Browser origins allowed to call the API and open the WebSocket: those in
 * ALLOWED_ORIGINS plus the sidecar's own (its /demo page). A request without
 * an Origin header is not a browser's cross-site request and is allowed.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
