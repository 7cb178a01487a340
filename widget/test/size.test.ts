// @vitest-environment happy-dom
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { TRANSLATIONS } from '../i18n-files';
import { BUDGET_GZIP } from '../size-budget';

// Plausible-style budget: the whole script a visitor downloads, CSS and English included,
// and each language file a visitor of that language downloads besides.
const out = mkdtempSync(join(tmpdir(), 'appointease-widget-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('built widget', () => {
  it('is one IIFE file within the gzip budget that leaks no globals', async () => {
    // Build fresh (into a temp dir) so the budget is checked against the current source.
    await build({
      // Paths from the file path, not `new URL(...)`: happy-dom replaces the global URL class.
      configFile: join(dirname(fileURLToPath(import.meta.url)), '..', 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir: out, emptyOutDir: true },
    });
    const code = readFileSync(join(out, 'appointease-booking.js'), 'utf8');
    const gz = gzipSync(code, { level: 9 }).length;
    expect(gz).toBeLessThanOrEqual(BUDGET_GZIP.script);

    // Every other language is its own small file, named in the script, and not inside it.
    const files = readdirSync(join(out, 'i18n'));
    expect(files.map((f) => f.split('.')[0]).sort()).toEqual(Object.keys(TRANSLATIONS).sort());
    for (const f of files) {
      const text = readFileSync(join(out, 'i18n', f), 'utf8');
      expect(gzipSync(text, { level: 9 }).length, f).toBeLessThanOrEqual(BUDGET_GZIP.translation);
      expect(text, f).toMatch(/^[\x00-\x7f]*$/);
      expect(code).toContain(`i18n/${f}`);
    }
    for (const [lang, catalog] of Object.entries(TRANSLATIONS)) {
      const ascii = JSON.stringify(catalog.stepDate).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
      expect(code.includes(ascii), `${lang} strings inside the script`).toBe(false);
    }
    // Wrapped in a function: top-level `var`s would become window properties.
    expect(code.trimStart().startsWith('(function(')).toBe(true);
    expect(code).not.toMatch(/^var |AppointEaseBookingBundle\s*=/m);
    // A production build even under NODE_ENV=test: no development JSX metadata.
    expect(code).not.toMatch(/jsxDEV|fileName:|lineNumber/);
    // ASCII only, so a host page without a UTF-8 charset cannot garble it.
    expect(code).toMatch(/^[\x00-\x7f]*$/);
    // CSS travels inside the script, no separate stylesheet request.
    expect(code).toContain('--appointease-accent');
    expect(code).toContain('attachShadow({mode:`open`})');

    // Run it as a page would: it defines the element and adds nothing to the globals.
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    (0, eval)(code);
    const added = Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k));
    expect(added).toEqual([]);
    expect(customElements.get('appointease-booking')).toBeTypeOf('function');
    // Loading the script twice (two shortcodes, a theme that re-enqueues) must not throw.
    expect(() => (0, eval)(code)).not.toThrow();
  }, 60_000);
});
