import { describe, expect, it } from 'vitest';
import { TRANSLATIONS } from '../i18n-files';
import { LANGUAGES, messagesFor, pickLocale } from '../src/i18n';
import { compile, overlay, placeholdersOf } from '../src/i18n/catalog';
import { en } from '../src/i18n/en';

describe('pickLocale', () => {
  it.each(['de', 'de_DE', 'de-DE', 'DE_at', 'de-CH', 'de_DE_formal'])('%s → German', (l) => {
    const c = pickLocale(l);
    expect(c.lang).toBe('de');
    expect(c.weekStart).toBe(1);
    expect(c.dir).toBe('ltr');
    expect(c.fellBack).toBe(false);
  });
  it('keeps the region for Intl', () => expect(pickLocale('de_AT').tag).toBe('de-AT'));
  it.each([
    ['fr_FR', 'fr', 'fr-FR'],
    ['fr_CA', 'fr', 'fr-CA'],
    ['es_ES', 'es', 'es-ES'],
    ['es_MX', 'es', 'es-MX'],
    ['it_IT', 'it', 'it-IT'],
    ['nl_NL', 'nl', 'nl-NL'],
    ['nl_BE', 'nl', 'nl-BE'],
    ['pt_BR', 'pt-BR', 'pt-BR'],
    ['pt_PT', 'pt-BR', 'pt-PT'],
    ['ar', 'ar', 'ar'],
    ['ar_SA', 'ar', 'ar-SA'],
  ])('WordPress locale %s → %s strings, Intl tag %s', (wp, lang, tag) => {
    const c = pickLocale(wp);
    expect([c.lang, c.tag, c.fellBack]).toEqual([lang, tag, false]);
  });
  it('Arabic is written right to left and its week starts on Saturday', () => {
    expect(pickLocale('ar').dir).toBe('rtl');
    expect(pickLocale('ar_EG').weekStart).toBe(6);
  });
  it.each([null, '', 'en_US', 'en-GB'])('%s → English', (l) => {
    const c = pickLocale(l);
    expect(c.lang).toBe('en');
    expect(c.fellBack).toBe(false);
  });
  it('the week starts where the locale says (US Sunday, UK Monday)', () => {
    expect(pickLocale('en_US').weekStart).toBe(0);
    expect(pickLocale('en_GB').weekStart).toBe(1);
  });
  it('unknown languages fall back to English and say so', () => {
    const c = pickLocale('sv_SE');
    expect(c.lang).toBe('en');
    expect(c.tag).toBe('en');
    expect(c.fellBack).toBe(true);
    expect(pickLocale('%%%').fellBack).toBe(true);
  });
});

describe('catalogs', () => {
  const entries = (o: object, prefix = ''): [string, unknown][] =>
    Object.entries(o).flatMap(([k, v]) =>
      v && typeof v === 'object' && !('other' in v) ? entries(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]],
    );
  const english = new Map(entries(en));

  it('every shipped language has a translation, and nothing else does', () => {
    expect(['en', ...Object.keys(TRANSLATIONS)].sort()).toEqual([...LANGUAGES].sort());
  });

  describe.each(Object.entries(TRANSLATIONS))('%s', (lang, catalog) => {
    const own = new Map(entries(catalog));
    it('has every English key with the same kind of value, and no other', () => {
      expect([...own.keys()].sort()).toEqual([...english.keys()].sort());
      for (const [k, v] of english) expect(typeof own.get(k), k).toBe(typeof v);
    });
    it('keeps every placeholder, in every plural form', () => {
      for (const [k, v] of english) {
        const theirs = own.get(k)!;
        const want = typeof v === 'string' ? placeholdersOf(v) : placeholdersOf((v as { other: string }).other);
        const forms = typeof theirs === 'string' ? [theirs] : Object.values(theirs as object);
        for (const f of forms) {
          // A plural form may spell the count out ("one minute"); the other placeholders must stay.
          expect(placeholdersOf(f as string).filter((p) => p !== 'n'), `${lang} ${k}: ${f}`).toEqual(want.filter((p) => p !== 'n'));
        }
      }
    });
    it('is actually translated', () => {
      const same = [...english].filter(([k, v]) => typeof v === 'string' && v.length > 12 && own.get(k) === v);
      expect(same).toEqual([]);
    });
  });

  it('plurals follow Intl.PluralRules: Arabic has six forms, French counts 0 as singular', () => {
    const ar = messagesFor(pickLocale('ar'), TRANSLATIONS.ar);
    expect(ar.minutes(1)).toBe('دقيقة واحدة');
    expect(ar.minutes(2)).toBe('دقيقتان');
    // Digits as this Intl writes Arabic numbers (CLDR's choice for `ar` has changed over versions).
    const n = (x: number) => new Intl.NumberFormat('ar').format(x);
    expect(ar.minutes(5)).toBe(`${n(5)} دقائق`);
    expect(ar.minutes(11)).toBe(`${n(11)} دقيقة`);
    const fr = messagesFor(pickLocale('fr'), TRANSLATIONS.fr);
    expect(fr.dayFree(0, { day: 'lundi' })).toBe('lundi, 0 créneau libre');
    expect(fr.dayFree(3, { day: 'lundi' })).toBe('lundi, 3 créneaux libres');
    const e = messagesFor(pickLocale('en'));
    expect(e.errors.rate_limited(1)).toContain('1 second and');
    expect(e.errors.rate_limited(1200)).toContain('1,200 seconds');
  });

  it('placeholders are filled by name, numbers written the language’s way', () => {
    const de = messagesFor(pickLocale('de'), TRANSLATIONS.de);
    expect(de.codeSent({ email: 'a@b.de' })).toContain('an a@b.de gesendet');
    expect(compile<typeof en>(en, 'en').timesFor({ day: 'Monday' })).toBe('Times on Monday');
  });

  it('a translation missing a key (an old cached file) shows that key in English', () => {
    const partial = overlay(en, { title: 'Termin buchen', errors: { generic: 'Fehler' } });
    expect(partial.title).toBe('Termin buchen');
    expect(partial.errors.generic).toBe('Fehler');
    expect(partial.back).toBe(en.back);
    expect(partial.errors.rate_limited).toEqual(en.errors.rate_limited);
    expect(overlay(en, 'garbage')).toBe(en);
  });

  it('the names tests rely on (CONTRACT §9) are exact in English', () => {
    expect([en.name, en.email, en.phone, en.code, en.sendCode, en.confirm]).toEqual([
      'Name', 'Email', 'Phone', 'Verification code', 'Send code', 'Confirm booking',
    ]);
  });
});
