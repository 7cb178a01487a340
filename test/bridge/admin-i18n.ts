// The admin bundle's translatable strings, read from its source the way `wp i18n make-pot`
// reads them: __( 'text', 'appointease-bridge' ) and _n( 'single', 'plural', n, 'appointease-bridge' ).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGIN_DIR } from './wordpress.js';

export const ADMIN_SRC = join(PLUGIN_DIR, 'admin-src/src');
/** WordPress looks for `<domain>-<locale>-<md5 of the script's path in the plugin>.json` (load_script_textdomain). */
export const SCRIPT_PATH = 'assets/admin.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

const literal = `'((?:[^'\\\\]|\\\\.)*)'`;
const single = new RegExp(`\\b__\\(\\s*${literal}\\s*,\\s*'appointease-bridge'\\s*\\)`, 'g');
const plural = new RegExp(`\\b_n\\(\\s*${literal}\\s*,\\s*${literal}\\s*,[^,]+,\\s*'appointease-bridge'\\s*\\)`, 'g');
const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

export interface SourceStrings {
  singles: Set<string>;
  /** singular → plural */
  plurals: Map<string, string>;
  /** __( or _n( calls that are not in the extractable shape (a variable, another domain). */
  odd: string[];
}

export function adminStrings(): SourceStrings {
  const out: SourceStrings = { singles: new Set(), plurals: new Map(), odd: [] };
  for (const file of files(ADMIN_SRC)) {
    if (file.endsWith('i18n.ts')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(single)) out.singles.add(unescape(m[1]));
    for (const m of text.matchAll(plural)) out.plurals.set(unescape(m[1]), unescape(m[2]));
    const calls = (text.match(/\b(__|_n)\(/g) ?? []).length;
    const found = [...text.matchAll(single)].length + [...text.matchAll(plural)].length;
    if (calls !== found) out.odd.push(`${file}: ${calls - found} call(s) not in the form __('…', 'appointease-bridge')`);
  }
  return out;
}
