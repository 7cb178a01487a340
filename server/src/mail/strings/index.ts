import type { MailLanguageCode } from '../language';
import { ar } from './ar';
import { de } from './de';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import { it } from './it';
import { nl } from './nl';
import { ptBR } from './pt-BR';
import type { MailStrings } from './types';

export type { MailStrings };

// All eight are small and server-side, so they are simply imported (the widget loads its own on demand).
const STRINGS: Record<MailLanguageCode, MailStrings> = { en, de, fr, es, it, nl, 'pt-BR': ptBR, ar };

export function mailStrings(lang: MailLanguageCode): MailStrings {
  return STRINGS[lang];
}

/** `{name}` → value; an unknown placeholder stays as written. */
export function fillString(s: string, values: Record<string, string>): string {
  return s.replace(/\{(\w+)\}/g, (whole, k: string) => values[k] ?? whole);
}
