import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_INFO = `${ROOT}server/dist/build-info.json`;

/**
 * Whether server/dist was built from the server/src beside it. A `git pull` and a
 * restart without `npm run build` (or `npm ci`) would otherwise run the old code
 * with nothing said. Returns a warning, or undefined when the build is current or
 * the sources are not there to compare with. Reads the built modules' sources
 * once at start (a few milliseconds).
 */
export function staleBuildWarning(): string | undefined {
  if (!existsSync(BUILD_INFO)) return undefined;
  const info = JSON.parse(readFileSync(BUILD_INFO, 'utf8')) as { sourceHash: string; inputs: string[] };
  const h = createHash('sha256');
  for (const file of info.inputs) {
    const path = `${ROOT}${file}`;
    if (!existsSync(path)) return `server/dist was built from sources that are gone (${file}): run \`npm run build\``;
    h.update(file).update('\0').update(readFileSync(path)).update('\0');
  }
  if (h.digest('hex') === info.sourceHash) return undefined;
  return 'server/dist is older than server/src: this process runs the previous build; run `npm run build` (or `npm ci`) and restart';
}
