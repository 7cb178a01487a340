import { en, type Messages } from './en';
import { de } from './de';

export type { Messages };

export interface LocaleChoice {
  messages: Messages;
  /** BCP 47 tag for Intl (WordPress gives `de_DE`, Intl wants `de-DE`). */
  tag: string;
  /** First day of the week in the month view: 0 = Sunday, 1 = Monday. */
  weekStart: 0 | 1;
  /** True when the attribute named a language we do not have. */
  fellBack: boolean;
}

const languages: Record<string, { messages: Messages; weekStart: 0 | 1 }> = {
  en: { messages: en, weekStart: 0 },
  de: { messages: de, weekStart: 1 },
};

/** `de`, `de_DE`, `de-DE`, `DE-at` all pick German; anything unknown picks English. */
export function pickLocale(attr: string | null | undefined): LocaleChoice {
  const raw = (attr ?? '').trim().replace(/_/g, '-');
  const lang = raw.split('-')[0]!.toLowerCase();
  let tag = 'en';
  if (raw) {
    try {
      tag = Intl.getCanonicalLocales(raw)[0] ?? lang;
    } catch {
      tag = lang || 'en';
    }
  }
  const known = languages[lang];
  if (!known) return { ...languages.en!, tag: 'en', fellBack: raw !== '' };
  return { ...known, tag, fellBack: false };
}
