// The wp-admin bundle: its committed build (WordPress installs the plugin folder as-is)
// must be what the sources build to today, and its small pure helpers must hold.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { formatRanges, parseRanges } from '../../wp-bridge/admin-src/src/pages/staff.js';
import { PLUGIN_DIR } from './wordpress.js';

describe('admin bundle', () => {
  it('committed wp-bridge/assets/admin.js matches a fresh build of wp-bridge/admin-src (run: npx vite build -c wp-bridge/admin-src/vite.config.ts)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'appointease-admin-build-'));
    // Vitest runs with NODE_ENV=test, which makes Vite resolve packages' development builds;
    // the committed bundle is built the way `npx vite build` does, for production.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: join(PLUGIN_DIR, 'admin-src/vite.config.ts'), logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
      const fresh = readFileSync(join(out, 'admin.js'), 'utf8');
      const committed = readFileSync(join(PLUGIN_DIR, 'assets/admin.js'), 'utf8');
      expect(committed === fresh, 'assets/admin.js is stale: rebuild and commit it').toBe(true);
      // A classic script with no globals but its own, and no module syntax WordPress 6.1 cannot load.
      expect(fresh).not.toMatch(/^\s*(import|export)\s/m);
    } finally {
      process.env.NODE_ENV = nodeEnv;
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('weekly hours text', () => {
  it('parses ranges, sorted', () => {
    expect(parseRanges('13:00-17:00, 09:00 - 12:00')).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '17:00' },
    ]);
    expect(parseRanges('')).toEqual([]);
    expect(formatRanges([{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }])).toBe('09:00-12:00, 13:00-17:00');
  });

  it('refuses malformed, reversed and overlapping ranges with a message', () => {
    expect(parseRanges('9-17')).toMatch(/not a range/);
    expect(parseRanges('25:00-26:00')).toMatch(/not a range/);
    expect(parseRanges('17:00-09:00')).toMatch(/ends before it starts/);
    expect(parseRanges('09:00-12:00, 11:00-13:00')).toBe('Ranges overlap');
  });
});
