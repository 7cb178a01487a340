// The widget's build is committed (widget/dist): a production install (`npm ci
// --omit=dev`) has no Vite to build it, and the sidecar serves it from there. Like
// wp-bridge/assets/admin.js, it must be exactly what the sources build to today.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');
const DIST = join(REPO, 'widget/dist');

const files = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();

describe('committed widget build', () => {
  it('widget/dist is a fresh build of widget/src (run: npm run build:widget, then commit widget/dist)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'appointease-widget-build-'));
    try {
      await build({ configFile: join(REPO, 'widget/vite.config.ts'), logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
      expect(files(DIST).filter((f) => !f.startsWith('.build-')), 'widget/dist holds other files than a fresh build: npm run build:widget').toEqual(files(out));
      for (const f of files(out)) {
        expect(readFileSync(join(DIST, f), 'utf8') === readFileSync(join(out, f), 'utf8'), `widget/dist/${f} is stale: npm run build:widget, then commit widget/dist`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
