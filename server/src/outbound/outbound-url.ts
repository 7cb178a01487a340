import { isIP } from 'node:net';
import { describeRefusal, type AddressPolicy } from './address-policy';
import { resolveChecked, type Resolver } from './guarded-lookup';
import { OutboundError, type OutboundErrorCode } from './outbound-error';

export const MAX_OUTBOUND_URL_LENGTH = 2048;

/**
 * Parses a URL an owner gave us to call: http: or https: only, no fragment
 * games, a host present. Numeric and odd IPv4 spellings (`http://2130706433/`,
 * `http://0x7f.1/`) come out of WHATWG parsing as dotted quads, so the
 * address rule sees them as what they are.
 */
export function parseOutboundUrl(raw: string | URL): URL {
  const text = String(raw);
  if (text.length > MAX_OUTBOUND_URL_LENGTH) throw new OutboundError('invalid_url', `URL longer than ${MAX_OUTBOUND_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OutboundError('invalid_url', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('unsupported_scheme', `only http: and https: URLs are allowed, not ${url.protocol}`);
  }
  if (url.hostname === '') throw new OutboundError('invalid_url', 'the URL has no host');
  url.hash = '';
  return url;
}

/** The host as an IP address when the URL names one directly (no DNS, so no lookup hook runs). */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? host : undefined;
}

export function checkLiteral(url: URL, policy: AddressPolicy): void {
  const literal = literalAddress(url);
  if (literal === undefined) return;
  const refusal = policy(literal);
  if (refusal) throw new OutboundError('forbidden_address', `${literal} is ${describeRefusal(refusal)}`);
}

export type OutboundUrlCheck =
  | { ok: true; url: string; addresses: string[] }
  | { ok: false; code: Extract<OutboundErrorCode, 'invalid_url' | 'unsupported_scheme' | 'forbidden_address' | 'dns_failed'>; message: string };

/**
 * Save-time check of a webhook or calendar URL: syntax, scheme, and every
 * address the name resolves to now. Passing it does not make later requests
 * safe (DNS can change); the client checks again at connect time. A name that
 * does not resolve is reported (`dns_failed`) so the caller can refuse a typo.
 */
export async function checkOutboundUrl(raw: string, policy: AddressPolicy, resolve: Resolver): Promise<OutboundUrlCheck> {
  try {
    const url = parseOutboundUrl(raw);
    checkLiteral(url, policy);
    const literal = literalAddress(url);
    const addresses = literal ? [literal] : (await resolveChecked(url.hostname, policy, resolve)).map((a) => a.address);
    return { ok: true, url: url.href, addresses };
  } catch (err) {
    if (err instanceof OutboundError && (err.code === 'invalid_url' || err.code === 'unsupported_scheme' || err.code === 'forbidden_address' || err.code === 'dns_failed')) {
      return { ok: false, code: err.code, message: err.message };
    }
    throw err;
  }
}
