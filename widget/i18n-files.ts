// The translations as the build ships them: one small JSON file per language, named by
// a hash of its content so the sidecar can let browsers cache it for a year. Both the
// build (vite.config.ts) and the widget's tests take the file names from here.
import { createHash } from 'node:crypto';
import { ar } from './src/i18n/ar.ts';
import { de } from './src/i18n/de.ts';
import { es } from './src/i18n/es.ts';
import { fr } from './src/i18n/fr.ts';
import { it } from './src/i18n/it.ts';
import { nl } from './src/i18n/nl.ts';
import { ptBR } from './src/i18n/pt-BR.ts';

export const TRANSLATIONS = { de, fr, es, it, nl, 'pt-BR': ptBR, ar } as const;

/** JSON with every non-ASCII character escaped: a server or proxy that mislabels the charset cannot garble it. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export interface TranslationFile {
  lang: string;
  /** Relative to the widget's chunk folder (`…/appointease/v1/widget/`), e.g. `i18n/fr.3f1c9a0b2e.json`. */
  fileName: string;
  source: string;
}

export function translationFiles(): TranslationFile[] {
  return Object.entries(TRANSLATIONS).map(([lang, catalog]) => {
    const source = asciiJson(catalog);
    const hash = createHash('sha256').update(source).digest('hex').slice(0, 10);
    return { lang, fileName: `i18n/${lang}.${hash}.json`, source };
  });
}

/** `{ fr: 'i18n/fr.<hash>.json', … }`: what the widget's loader looks up (`__AE_I18N_FILES__`). */
export function translationManifest(): Record<string, string> {
  return Object.fromEntries(translationFiles().map((f) => [f.lang, f.fileName]));
}
