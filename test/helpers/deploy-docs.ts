/**
 * The configuration blocks of docs/deploy.md, as a reader would copy them: each
 * follows a `<!-- deploy-block: NAME -->` marker. Tests take them from the doc
 * itself, so a doc that stops working fails a test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEPLOY_DOC = join(import.meta.dirname, '../../docs/deploy.md');

export function deployBlock(name: 'settings' | 'wp-config' | 'nginx' | 'sentinel-settings'): string {
  const doc = readFileSync(DEPLOY_DOC, 'utf8');
  const marker = `<!-- deploy-block: ${name} -->`;
  const at = doc.indexOf(marker);
  if (at < 0) throw new Error(`docs/deploy.md has no ${marker}`);
  const m = /^```[a-z]*\n([\s\S]*?)^```$/m.exec(doc.slice(at + marker.length));
  if (!m) throw new Error(`no code block after ${marker}`);
  return m[1]!;
}

/** The secret placeholder of the docs' blocks, replaced by a real one where a test needs it to start. */
export const SECRET_PLACEHOLDER = 'paste-the-output-of-openssl-rand-hex-32';
