import { readFileSync } from 'node:fs';

/** The one version, from package.json, reported by /health and used as the widget's cache-busting query. */
export const VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;
