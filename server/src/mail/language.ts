/**
 * The language of the customer mails: the site's own (WordPress's `WPLANG`
 * option, e.g. `fr_FR`), mapped the way the widget maps its `locale`
 * attribute, so the mails and the booking page speak the same language:
 * `fr`, `fr_FR`, `fr-CA` → French; any Portuguese → Brazilian Portuguese;
 * anything else (and an empty WPLANG, which is WordPress's en_US) → English.
 * The region stays in the Intl tag, so dates follow it (`en_GB` writes
 * "14 December", `en_US` "December 14").
 */
export const MAIL_LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt-BR', 'ar'] as const;
export type MailLanguageCode = (typeof MAIL_LANGUAGES)[number];

export interface MailLanguage {
  lang: MailLanguageCode;
  /** BCP 47 tag for Intl (`de-AT`, `en-GB`, `pt-BR`). */
  tag: string;
  dir: 'ltr' | 'rtl';
}

const RTL = new Set<string>(['ar']);

export function mailLanguageFor(wordpressLocale: string | null | undefined): MailLanguage {
  // WordPress adds `_formal` / `_informal` to some locales (de_DE_formal): not BCP 47 regions.
  const raw = (wordpressLocale ?? '').trim().replace(/_(in)?formal$/i, '').replace(/_/g, '-');
  let tag = 'en';
  if (raw) {
    try {
      tag = Intl.getCanonicalLocales(raw)[0] ?? 'en';
    } catch {
      tag = raw.split('-')[0]!.toLowerCase() || 'en';
    }
  }
  const base = tag.split('-')[0]!.toLowerCase();
  const lang = base === 'pt' ? 'pt-BR' : (MAIL_LANGUAGES as readonly string[]).includes(base) ? (base as MailLanguageCode) : null;
  if (!lang) return { lang: 'en', tag: 'en', dir: 'ltr' };
  if (lang === 'pt-BR' && tag === 'pt') tag = 'pt-BR';
  // A tag Intl cannot use (a made-up region) falls back to the language alone.
  if (Intl.DateTimeFormat.supportedLocalesOf([tag]).length === 0) tag = lang;
  return { lang, tag, dir: RTL.has(base) ? 'rtl' : 'ltr' };
}
