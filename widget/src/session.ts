import type { Session } from './types';

// sessionStorage so a reload keeps the visitor signed in, but closing the tab forgets
// them. Storage access may throw (sandboxed frames, privacy modes); only then does the
// in-memory copy stand in, so the two can never disagree.
const memory = new Map<string, string>();

function store(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  try {
    const s = sessionStorage;
    s.getItem('appointease:probe');
    return s;
  } catch {
    return {
      getItem: (k) => memory.get(k) ?? null,
      setItem: (k, v) => void memory.set(k, v),
      removeItem: (k) => void memory.delete(k),
    };
  }
}

export function loadSession(apiBase: string, now = Date.now()): Session | null {
  let s: Session | null = null;
  try {
    s = JSON.parse(store().getItem('appointease:' + apiBase) ?? 'null') as Session | null;
  } catch {
    s = null;
  }
  if (!s || typeof s.sessionToken !== 'string' || !(Date.parse(s.expiresAt) > now)) return null;
  return s;
}

export function saveSession(apiBase: string, s: Session | null): void {
  const key = 'appointease:' + apiBase;
  try {
    if (s) store().setItem(key, JSON.stringify(s));
    else store().removeItem(key);
  } catch {
    // Quota or a storage that fails on write: the visitor just verifies again later.
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
