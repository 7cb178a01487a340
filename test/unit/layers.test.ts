import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../server/src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of server/src, as [importer, imported] folder-qualified paths ('services/locks'). */
const edges = files(SRC).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:import|export)[^;]*?from '(\.[^']*)'/gs)].map((m) => [relative(SRC, file), relative(SRC, normalize(join(dirname(file), m[1]!)))] as const),
);
const top = (p: string) => p.split('/')[0]!;

/** Issue 12 item 5: pure domain code at the bottom; the lower layers import only downward. */
describe('server layers', () => {
  it('domain/ imports nothing but domain/', () => {
    expect(edges.filter(([from, to]) => top(from) === 'domain' && top(to) !== 'domain')).toEqual([]);
  });

  it('db/, stores/, mail/ and realtime/ never import services/, http/ or the composition root', () => {
    const upward = new Set(['services', 'http', 'deps', 'server', 'index', 'cli']);
    // The WebSocket server is an edge like http/: it shares http's origin and client-address checks and the admin token check.
    const edge = new Set(['realtime/ws-server.ts']);
    const offenders = edges.filter(([from, to]) => ['db', 'stores', 'mail', 'realtime'].includes(top(from)) && !edge.has(from) && upward.has(top(to)));
    expect(offenders).toEqual([]);
    const edgeImports = edges.filter(([from, to]) => edge.has(from) && upward.has(top(to))).map(([, to]) => to);
    expect(new Set(edgeImports)).toEqual(new Set(['http/client-ip', 'http/origin', 'services/admin-token']));
  });
});
