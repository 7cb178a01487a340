import { createRequire } from 'node:module';
import { IANAZone } from 'luxon';

// windows-iana is CommonJS whose entry picks a build at run time, which hides
// its named exports from ESM's static import; require sees them.
const { findIana } = createRequire(import.meta.url)('windows-iana') as typeof import('windows-iana');

/**
 * TZIDs as feeds write them, resolved to the IANA zones the tz database
 * knows: an IANA name as is ("Europe/Berlin"), a Windows name from
 * Outlook/Exchange through CLDR's table (windows-iana: "W. Europe Standard
 * Time" → Europe/Berlin), Outlook's numbered copies ("Eastern Standard Time
 * 1"), and old Mozilla-style prefixes ("/mozilla.org/20050126_1/Europe/Berlin").
 * A TZID that resolves is read with the tz database even when the feed sends
 * its own VTIMEZONE block for it (busy-time.ts says why); others ("Customized
 * Time Zone") need the feed's block.
 */

const resolved = new Map<string, string | null>();
const RESOLVED_MAX = 2_000;

/** The IANA zone a TZID stands for, or null when it names none. */
export function ianaZoneOf(tzid: string): string | null {
  const hit = resolved.get(tzid);
  if (hit !== undefined) return hit;
  const zone = lookup(tzid.trim());
  // A hostile feed can invent any number of names; the cache stays bounded.
  if (resolved.size >= RESOLVED_MAX) resolved.clear();
  resolved.set(tzid, zone);
  return zone;
}

function lookup(tzid: string): string | null {
  if (tzid === '' || tzid.length > 200) return null;
  if (isIana(tzid)) return tzid;
  const windows = fromWindows(tzid) ?? fromWindows(tzid.replace(/\s+\d+$/, ''));
  if (windows) return windows;
  // "/mozilla.org/20050126_1/America/New_York", "/citadel.org/…/Europe/Paris": the tail is the zone.
  const parts = tzid.split('/').filter(Boolean);
  for (let n = Math.min(3, parts.length); n >= 2; n--) {
    const tail = parts.slice(-n).join('/');
    if (isIana(tail)) return tail;
  }
  return null;
}

function isIana(name: string): boolean {
  // Fixed-offset names like "UTC+3" are not TZIDs anyone writes; only real region names count here.
  return (name.includes('/') || name === 'UTC' || name === 'GMT') && IANAZone.isValidZone(name);
}

function fromWindows(name: string): string | null {
  for (const candidate of findIana(name, '001')) {
    if (IANAZone.isValidZone(candidate)) return candidate;
  }
  return null;
}
