import { compile, overlay, type Catalog, type Compiled } from './catalog';
import { en } from './en';

export type Messages = Compiled<typeof en>;
/** What a translation file provides: every English key, strings widened. */
export type Translation = Catalog<typeof en>;

/** The shipped languages; English is inside the widget, the others are loaded on demand. */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt-BR', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

const RTL = new Set(['ar', 'he', 'fa', 'ur']);
// First day of the week when the browser's Intl cannot say (0 = Sunday … 6 = Saturday).
const WEEK_START: Record<Language, number> = { en: 0, de: 1, fr: 1, es: 1, it: 1, nl: 1, 'pt-BR': 0, ar: 6 };

/** What the `locale` attribute asks for, before its strings are loaded. */
export interface LocaleRequest {
  lang: Language;
  /** BCP 47 tag for Intl (WordPress gives `de_DE`, Intl wants `de-DE`). */
  tag: string;
  /** First day of the week in the month view: 0 = Sunday … 6 = Saturday. */
  weekStart: number;
  dir: 'ltr' | 'rtl';
  /** True when the attribute named a language we do not have. */
  fellBack: boolean;
}

export interface LocaleChoice extends LocaleRequest {
  messages: Messages;
}

function weekStartOf(tag: string, lang: Language): number {
  try {
    const l = new Intl.Locale(tag) as Intl.Locale & { getWeekInfo?(): { firstDay: number }; weekInfo?: { firstDay: number } };
    const first = (l.getWeekInfo?.() ?? l.weekInfo)?.firstDay;
    if (first) return first % 7;
  } catch {
    // No week data in this browser: the language's usual week below.
  }
  return WEEK_START[lang];
}

/**
 * `fr`, `fr_FR`, `fr-CA` pick French; `pt_BR` and any other Portuguese pick
 * Brazilian Portuguese; anything unknown picks English. The region stays in the
 * Intl tag, so dates follow it (`de_AT` writes "Jänner").
 */
export function pickLocale(attr: string | null | undefined): LocaleRequest {
  const raw = (attr ?? '').trim().replace(/_/g, '-');
  let tag = 'en';
  if (raw) {
    try {
      tag = Intl.getCanonicalLocales(raw)[0] ?? 'en';
    } catch {
      tag = raw.split('-')[0]!.toLowerCase() || 'en';
    }
  }
  const base = tag.split('-')[0]!.toLowerCase();
  const lang = (base === 'pt' ? 'pt-BR' : (LANGUAGES as readonly string[]).includes(base) ? base : null) as Language | null;
  if (!lang) return { lang: 'en', tag: 'en', weekStart: weekStartOf('en', 'en'), dir: 'ltr', fellBack: raw !== '' };
  return { lang, tag, weekStart: weekStartOf(tag, lang), dir: RTL.has(base) ? 'rtl' : 'ltr', fellBack: false };
}

/** The strings of a request: its translation laid over English (a missing key stays English). */
export function messagesFor(req: LocaleRequest, translation?: unknown): Messages {
  return compile<typeof en>(req.lang === 'en' || translation === undefined ? en : overlay<typeof en>(en, translation), req.tag);
}

/** English, for when a translation cannot be loaded. */
export function englishFallback(req: LocaleRequest): LocaleChoice {
  const back = pickLocale('en');
  return { ...back, messages: messagesFor(back) };
}

export { en };
