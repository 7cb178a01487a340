import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountRoutes } from '../../server/src/http/routes';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

const ADMIN_BASE = '/appointease/v1/admin';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route the app serves, as `METHOD /full/path`, read from the routers themselves. */
function routesOf(s: TestSidecar): string[] {
  const found: string[] = [];
  const walk = (base: string, stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) found.push(`${m.toUpperCase()} ${base}${layer.route.path}`);
      else if (layer.handle?.stack) walk(base, layer.handle.stack);
    }
  };
  const app = express();
  mountRoutes(app, s.deps, (base, router: Router) => walk(base === '/' ? '' : base, router.stack as Layer[]));
  walk('', (app.router as unknown as { stack: Layer[] }).stack);
  return [...new Set(found)];
}

/** Issue 17 item 6: docs/admin-api.md lists every admin route. */
describe('docs/admin-api.md', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startSidecar();
  });
  afterAll(() => s?.stop());

  it('lists every admin route the router serves', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/admin-api.md'), 'utf8');
    const admin = routesOf(s).filter((r) => r.split(' ')[1]!.startsWith(`${ADMIN_BASE}/`));
    expect(admin).toContain(`GET ${ADMIN_BASE}/locks`);
    expect(admin).toContain(`DELETE ${ADMIN_BASE}/locks`);
    const missing = admin.filter((r) => {
      const [method, path] = r.split(' ') as [string, string];
      const documented = path.slice(ADMIN_BASE.length).replace(/:(\w+)/g, '{$1}');
      return !new RegExp(`\`${method} ${documented.replace(/[{}?]/g, '\\$&')}[\`?]`).test(doc);
    });
    expect(missing, 'admin routes missing from docs/admin-api.md').toEqual([]);
  });
});
