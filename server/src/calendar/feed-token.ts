import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * The private feed address's token (CONTRACT §13). The database keeps a
 * random 128-bit nonce per employee and the SHA-256 of the token, never the
 * token: the token is HMAC-SHA256(APPOINTEASE_SECRET, employee, nonce), 256
 * bits, so `GET …/calendar-feed` can show the same address again without it
 * being stored, and a copy of the database alone opens no feed. Rotation draws
 * a new nonce (the old token's hash no longer matches any row: 404).
 */
export const FEED_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newFeedNonce(): string {
  return randomBytes(16).toString('hex');
}

export function feedToken(secret: string, employeeId: number, nonce: string): string {
  return createHmac('sha256', secret).update(`appointease-calendar-feed\n${employeeId}\n${nonce}`).digest('base64url');
}

export function feedTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
