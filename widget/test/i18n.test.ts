import { describe, expect, it } from 'vitest';
import { pickLocale } from '../src/i18n';
import { de } from '../src/i18n/de';
import { en } from '../src/i18n/en';

describe('pickLocale', () => {
  it.each(['de', 'de_DE', 'de-DE', 'DE_at', 'de-CH'])('%s → German', (l) => {
    const c = pickLocale(l);
    expect(c.messages).toBe(de);
    expect(c.weekStart).toBe(1);
    expect(c.fellBack).toBe(false);
  });
  it('keeps the region for Intl', () => expect(pickLocale('de_AT').tag).toBe('de-AT'));
  it.each([null, '', 'en_US', 'en-GB'])('%s → English', (l) => {
    const c = pickLocale(l);
    expect(c.messages).toBe(en);
    expect(c.fellBack).toBe(false);
  });
  it('unknown languages fall back to English and say so', () => {
    const c = pickLocale('fr_FR');
    expect(c.messages).toBe(en);
    expect(c.tag).toBe('en');
    expect(c.fellBack).toBe(true);
    expect(pickLocale('%%%').fellBack).toBe(true);
  });
});

describe('strings', () => {
  const shape = (o: object): string[] =>
    Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? shape(v).map((x) => `${k}.${x}`) : [`${k}:${typeof v}`]));
  it('German has every English key with the same kind of value', () => {
    expect(shape(de).sort()).toEqual(shape(en).sort());
  });
  it('the names tests rely on (CONTRACT §9) are exact in English', () => {
    expect([en.name, en.email, en.phone, en.code, en.sendCode, en.confirm]).toEqual([
      'Name', 'Email', 'Phone', 'Verification code', 'Send code', 'Confirm booking',
    ]);
  });
  it('German is actually translated', () => {
    expect(de.confirm).not.toBe(en.confirm);
    expect(de.errors.slot_taken).not.toBe(en.errors.slot_taken);
  });
});
