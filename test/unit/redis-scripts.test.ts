import { describe, expect, it } from 'vitest';
import {
  AVAIL_STORE_CODES,
  BUDGET_RESERVE_CODES,
  BUDGET_SEED_CODES,
  LOCK_ACQUIRE_CODES,
  LOCK_RELEASE_CODES,
  OTP_ATTEMPT_CODES,
  OTP_CONSUME_CODES,
  scriptFiles,
  type ScriptName,
} from '../../server/src/redis/scripts';

// The integer codes are named once in TypeScript; the Lua header says the same in words.
const CODES: Partial<Record<ScriptName, Record<string, number>>> = {
  'lock-acquire': LOCK_ACQUIRE_CODES,
  'lock-release': LOCK_RELEASE_CODES,
  'avail-store': AVAIL_STORE_CODES,
  'otp-attempt': OTP_ATTEMPT_CODES,
  'otp-consume': OTP_CONSUME_CODES,
  'budget-reserve': BUDGET_RESERVE_CODES,
  'budget-seed': BUDGET_SEED_CODES,
};

const EVERY_SCRIPT: ScriptName[] = [
  'lock-acquire',
  'lock-release',
  'lock-take-expired',
  'avail-store',
  'avail-invalidate',
  'otp-issue',
  'otp-attempt',
  'otp-consume',
  'rate-hit',
  'budget-reserve',
  'budget-refund',
  'budget-seed',
];

function header(lua: string): string {
  const m = /^--\[\[([\s\S]*?)\]\]/.exec(lua);
  if (!m) throw new Error('script without a header comment');
  return m[1]!;
}

describe('Lua scripts and their typed wrappers', () => {
  it('every script file has a typed wrapper and every wrapper a file', () => {
    expect([...scriptFiles().keys()].sort()).toEqual([...EVERY_SCRIPT].sort());
  });

  it('every header lists KEYS, ARGV and what it returns', () => {
    for (const [name, file] of scriptFiles()) {
      const text = header(file.lua);
      expect(text, name).toMatch(/KEYS\[1\]/);
      expect(text, name).toMatch(/\bReturns\b/);
    }
  });

  it.each(Object.entries(CODES))('%s: each named code stands in the header with its name', (name, codes) => {
    const text = header(scriptFiles().get(name)!.lua);
    const returns = text.slice(text.indexOf('Returns'));
    for (const [word, code] of Object.entries(codes!)) {
      // "  -1 not_owner: …" or "1 released" — the number, then the code's name.
      expect(returns, `${name}: ${code} ${word}`).toMatch(new RegExp(`(^|[\\s{])${code} ${word}\\b`, 'm'));
    }
    // And no number in the header's code list goes unnamed.
    const listed = [...returns.matchAll(/^\s*(?:Returns\s+)?(-?\d+) [a-z_]+\b/gm)].map((m) => Number(m[1]));
    expect(new Set(listed)).toEqual(new Set(Object.values(codes!)));
  });
});
