import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describeRefusal, type AddressPolicy } from './address-policy';
import { OutboundError } from './outbound-error';

/** Name resolution, injectable so tests can play a DNS server that rebinds. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * Resolves, then refuses the name if ANY of its addresses is refused by the
 * policy, and checks the one error a socket sees.
 *
 * This is a socket's `lookup` option, so the addresses checked are exactly
 * the addresses the socket then connects to: a name that resolved to a
 * public address when the webhook was saved and to 127.0.0.1 now (DNS
 * rebinding) is caught here, at connect time. Refusing the whole name when
 * one address is bad (rather than filtering) keeps the rule simple to state;
 * a receiver whose name mixes public and private addresses is misconfigured.
 */
export async function resolveChecked(hostname: string, policy: AddressPolicy, resolve: Resolver): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(hostname);
  } catch (err) {
    throw new OutboundError('dns_failed', `${hostname} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (addresses.length === 0) throw new OutboundError('dns_failed', `${hostname} does not resolve`);
  for (const a of addresses) {
    const refusal = policy(a.address);
    if (refusal) throw new OutboundError('forbidden_address', `${hostname} resolves to ${describeRefusal(refusal)} (${a.address})`);
  }
  return addresses;
}

export function guardedLookup(policy: AddressPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(hostname, policy, resolve).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        if (wanted.length === 0) {
          callback(new OutboundError('dns_failed', `${hostname} has no IPv${options.family} address`), '', 0);
        } else if (options.all) {
          (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, wanted);
        } else {
          callback(null, wanted[0]!.address, wanted[0]!.family);
        }
      },
      (err: Error) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}
