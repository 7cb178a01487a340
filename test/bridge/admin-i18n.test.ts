// The admin bundle is translatable the WordPress way: every string goes through wp.i18n with the
// plugin's text domain, and the German and French JSON files the plugin ships (loaded by
// wp_set_script_translations) translate every one of them, keeping their placeholders.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminStrings, SCRIPT_PATH } from './admin-i18n.js';
import { PLUGIN_DIR } from './wordpress.js';

const LANGUAGES_DIR = join(PLUGIN_DIR, 'languages');
const MD5 = createHash('md5').update(SCRIPT_PATH).digest('hex');
const placeholders = (s: string) => (s.match(/%(\d+\$)?[sd]/g) ?? []).sort();

describe('admin bundle translations', () => {
  const source = adminStrings();

  it('every translatable call is in the form wp i18n make-pot extracts', () => {
    expect(source.odd).toEqual([]);
    expect(source.singles.size).toBeGreaterThan(100);
  });

  it('ships German and French under the name WordPress looks for (domain, locale, md5 of assets/admin.js)', () => {
    expect(readdirSync(LANGUAGES_DIR).filter((f) => f.endsWith('.json')).sort()).toEqual([
      `appointease-bridge-de_DE-${MD5}.json`,
      `appointease-bridge-fr_FR-${MD5}.json`,
    ]);
  });

  describe.each(['de_DE', 'fr_FR'])('%s', (locale) => {
    const file = JSON.parse(readFileSync(join(LANGUAGES_DIR, `appointease-bridge-${locale}-${MD5}.json`), 'utf8'));
    const messages: Record<string, unknown> = file.locale_data.messages;
    const entries = Object.entries(messages).filter(([k]) => k !== '');

    it('is a Jed file for its locale with its plural rule', () => {
      expect(file.domain).toBe('messages');
      expect(messages['']).toMatchObject({ domain: 'messages', lang: locale, 'plural-forms': expect.stringMatching(/^nplurals=2; plural=\(n (!= 1|> 1)\);$/) });
    });

    it('translates every string of the bundle and nothing that is gone', () => {
      const wanted = [...source.singles, ...source.plurals.keys()].sort();
      expect(entries.map(([k]) => k).sort()).toEqual(wanted);
    });

    it('keeps placeholders and gives plurals both forms', () => {
      for (const [key, value] of entries) {
        const forms = value as string[];
        const plural = source.plurals.get(key);
        expect(forms, key).toHaveLength(plural ? 2 : 1);
        for (const [i, form] of forms.entries()) {
          expect(form.trim(), key).not.toBe('');
          expect(placeholders(form), `${locale}: ${key} → ${form}`).toEqual(placeholders(i === 1 && plural ? plural : key));
        }
      }
    });
  });
});
