// @vitest-environment happy-dom
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from 'vite';

// Plausible-style budget: the whole file a visitor downloads, CSS included.
const BUDGET_GZIP = 25 * 1024;
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
    expect(gz).toBeLessThanOrEqual(BUDGET_GZIP);
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
