import { apiRoot } from '../api';
import type { Language } from '.';

// Hashed file names of the translations, written by the build (widget/i18n-files.ts).
declare const __AE_I18N_FILES__: Record<string, string>;

/** Fetches the translation of a language; `apiBase` is the `api` attribute. */
export type LoadTranslation = (lang: Language, apiBase: string | null) => Promise<unknown>;

const pending = new Map<string, Promise<unknown>>();

/**
 * Translations are fetched beside the widget's own script (`…/widget.js` →
 * `…/widget/i18n/fr.<hash>.json`), or beside the API when the script's address
 * is unknown. The hash in the name lets the sidecar cache them for a year; one
 * fetch per file serves every widget on the page.
 */
export function translationLoader(scriptBase: string | null): LoadTranslation {
  return (lang, apiBase) => {
    const file = __AE_I18N_FILES__[lang];
    const base = scriptBase ?? (apiBase ? `${apiRoot(apiBase)}/widget/` : null);
    if (!file || !base) return Promise.reject(new Error(`no translation file for ${lang}`));
    const url = new URL(file, base).href;
    let p = pending.get(url);
    if (!p) {
      p = fetch(url, { credentials: 'omit' }).then((r) => {
        if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
        return r.json();
      });
      pending.set(url, p);
      p.catch(() => pending.delete(url));
    }
    return p;
  };
}
