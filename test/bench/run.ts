/**
 * `npm run bench`: every bench module in this folder (each exports `run()`),
 * one after another so they never compete for the machine's two cores.
 * Pass names to run only some: `npm run bench -- locks`.
 */
import { readdirSync } from 'node:fs';

const here = new URL('./', import.meta.url);
const only = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

for (const name of modules) {
  const mod = (await import(new URL(`./${name}.ts`, here).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n=== bench: ${name} ===`);
  await mod.run();
}
