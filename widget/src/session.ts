import type { Session } from './types';

// sessionStorage so a reload keeps the visitor signed in, but closing the tab forgets
// them; any access may throw (sandboxed frames, privacy modes), then memory alone is used.
const memory = new Map<string, Session>();

export function loadSession(apiBase: string, now = Date.now()): Session | null {
  const key = 'appointease:' + apiBase;
  let s = memory.get(key) ?? null;
  if (!s) {
    try {
      const raw = sessionStorage.getItem(key);
      s = raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      s = null;
    }
  }
  if (!s || typeof s.sessionToken !== 'string' || !(Date.parse(s.expiresAt) > now)) return null;
  return s;
}

export function saveSession(apiBase: string, s: Session | null): void {
  const key = 'appointease:' + apiBase;
  if (s) memory.set(key, s);
  else memory.delete(key);
  try {
    if (s) sessionStorage.setItem(key, JSON.stringify(s));
    else sessionStorage.removeItem(key);
  } catch {
    // memory copy above is enough for this page view
  }
}

export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
