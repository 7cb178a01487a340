import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The "manage booking" link in every appointment mail:
 * `{base}/appointease/v1/manage?ref=APT-2026-000123&sig=…`.
 *
 * The link signs nobody in: it opens the widget's manage view with the
 * booking's address filled in, and the customer still proves the address
 * with a one-time code. The signature only makes sure that a link prefills
 * the address of the booking it was mailed for: without the secret nobody
 * can make a link that shows someone else's address, and a forged one costs
 * no database query (checked before the booking is looked up). The address
 * itself is not in the URL, so it does not end up in proxy logs or browser
 * history. 128 bits of HMAC-SHA256 (base64url), with a purpose prefix so the
 * secret's other uses (JWTs, code hashes) never sign the same bytes.
 */
const PURPOSE = 'appointease:manage-link:v1\0';
const SIGNATURE_BYTES = 16;

export const MANAGE_PATH = '/manage';

/** A reference (`strong_id`, varchar(20)) or a legacy row's numeric id; anything else is refused before any HMAC. */
const REFERENCE_RE = /^[A-Za-z0-9-]{1,20}$/;

export function isManageReference(reference: string): boolean {
  return REFERENCE_RE.test(reference);
}

export function manageSignature(secret: string, reference: string): string {
  return createHmac('sha256', secret).update(PURPOSE + reference).digest().subarray(0, SIGNATURE_BYTES).toString('base64url');
}

export function verifyManageSignature(secret: string, reference: string, signature: string): boolean {
  if (!isManageReference(reference) || !/^[A-Za-z0-9_-]{22}$/.test(signature)) return false;
  const expected = Buffer.from(manageSignature(secret, reference), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `apiRoot` is the public address of `/appointease/v1` (no trailing slash). */
export function manageUrl(apiRoot: string, secret: string, reference: string): string {
  const q = new URLSearchParams({ ref: reference, sig: manageSignature(secret, reference) });
  return `${apiRoot}${MANAGE_PATH}?${q}`;
}
