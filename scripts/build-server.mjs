// Builds the sidecar's JavaScript: server/src (TypeScript) → server/dist, one
// self-contained ES module per command (`index.js` for `npm start`, `migrate.js` for
// `npm run migrate`, `busy-worker.js` for the busy-calendar worker thread; no shared chunks, so every module sits at the depth the rewrite
// below assumes). Runs as `prepare` on every `npm ci` / `npm install`, production installs
// included, so it may use only production dependencies: esbuild is one (tsx needs it
// too, so it costs no extra download). Plain JavaScript: no compiler is needed to run it.
//
// Dependencies stay in node_modules (not bundled). The sidecar finds its files (Lua
// scripts, the schema, package.json, the widget) relative to its source modules:
// every `import.meta.url` in server/src is rewritten to the source file's own URL
// (computed from the bundle's location at run time, so the tree can move), so those
// paths mean in the bundle exactly what they mean under tsx.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'server/src');
const out = join(root, 'server/dist');
const started = Date.now();

const sourceUrls = {
  name: 'appointease-source-urls',
  setup(b) {
    b.onLoad({ filter: /\/server\/src\/.*\.ts$/ }, (args) => {
      const code = readFileSync(args.path, 'utf8');
      if (!code.includes('import.meta.url')) return undefined;
      const fromBundle = relative(out, args.path).split('\\').join('/');
      return { contents: code.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

// `npm start`: index.ts's own "am I the main module?" check compares its source URL,
// so it stays quiet in the bundle; this entry starts it and asks for the freshness check.
const startEntry = `import { start } from ${JSON.stringify(join(src, 'index.ts'))};
start({ checkBuild: true }).catch((err) => {
  console.error(\`Start-up failed: \${err instanceof Error ? err.message : String(err)}\`);
  process.exit(1);
});
`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { migrate: join(src, 'cli/migrate.ts'), index: 'appointease:start', 'busy-worker': join(src, 'calendar/busy-worker-entry.ts') },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  outdir: out,
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [
    sourceUrls,
    {
      name: 'appointease-start-entry',
      setup(b) {
        b.onResolve({ filter: /^appointease:start$/ }, () => ({ path: 'start', namespace: 'appointease' }));
        b.onLoad({ filter: /.*/, namespace: 'appointease' }, () => ({ contents: startEntry, loader: 'ts', resolveDir: src }));
      },
    },
  ],
});

// What the build was made from: at start, a build older than the sources says so.
const inputs = Object.keys(result.metafile.inputs)
  .filter((p) => p.startsWith('server/src/'))
  .sort();
writeFileSync(join(out, 'build-info.json'), `${JSON.stringify({ sourceHash: hashFiles(root, inputs), inputs }, null, 2)}\n`);
console.log(`[appointease] server/dist built from ${inputs.length} modules in ${Date.now() - started} ms`);

/** The same hash server/src/build-freshness.ts computes at start. */
function hashFiles(base, files) {
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(base, f))).update('\0');
  return h.digest('hex');
}
