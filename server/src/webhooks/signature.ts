import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures in the scheme Stripe made familiar (CONTRACT §12):
 * `AppointEase-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is inside the MAC so a captured request cannot be replayed
 * later with a fresh `t`; receivers reject old timestamps. Each attempt is
 * signed afresh (new `t`), the event id stays the same for de-duplication.
 */
export const SIGNATURE_HEADER = 'AppointEase-Signature';
export const EVENT_ID_HEADER = 'AppointEase-Event-Id';
export const SIGNATURE_SCHEME = 'v1';
/** What verifySignature accepts by default, like Stripe's libraries. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
export const MIN_SECRET_LENGTH = 32;

/** A secret for a new webhook when the admin gives none: 256 random bits, 49 characters. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function mac(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/**
 * The header value for this body, signed at `timestampSeconds`: one `v1` per secret, the current
 * one first (while a rotated-out secret is still honoured, receivers that have it still verify).
 */
export function signPayload(secret: string | readonly string[], rawBody: string | Buffer, timestampSeconds: number): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) throw new RangeError('timestamp must be whole unix seconds');
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new RangeError('at least one secret');
  return [`t=${timestampSeconds}`, ...secrets.map((s) => `${SIGNATURE_SCHEME}=${mac(s, timestampSeconds, rawBody)}`)].join(',');
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'no_match' | 'too_old' };

/**
 * What a receiver does (our tests and the docs' example): parse the header,
 * recompute the MAC over the RAW body, compare in constant time against every
 * `v1` (several may be present while a secret is rotated), then check the
 * timestamp's age.
 */
export function verifySignature(
  header: string | undefined,
  rawBody: string | Buffer,
  secret: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): SignatureCheck {
  if (!header) return { ok: false, reason: 'malformed' };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === SIGNATURE_SCHEME && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(secret, timestamp, rawBody), 'hex');
  if (!candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected))) return { ok: false, reason: 'no_match' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'too_old' };
  return { ok: true, timestamp };
}
