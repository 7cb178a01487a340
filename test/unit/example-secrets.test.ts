import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleSecretReason, parseConfig } from '../../server/src/config';

const ROOT = join(import.meta.dirname, '../..');

/** Every APPOINTEASE_SECRET value written in the repo's docs and examples, with where. */
function secretsInDocs(): { file: string; value: string }[] {
  const files = execFileSync('git', ['ls-files', '*.md', '*.yml', '*.yaml', '*.example', '*.conf', '*.service', 'Dockerfile', '*.php.dist', 'wp-bridge/readme.txt'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.startsWith('test/') && !f.includes('/fixtures/'));
  const patterns = [
    /APPOINTEASE_SECRET\s*=\s*["']?([^\s"'#]+)/g, // .env, shell, systemd
    /APPOINTEASE_SECRET:\s*["']?([^\s"'&*$][^\s"']*)/g, // YAML
    /APPOINTEASE_SECRET:-([^}]+)\}/g, // ${APPOINTEASE_SECRET:-default}
    /define\(\s*'APPOINTEASE_SECRET'\s*,\s*'([^']+)'/g, // wp-config.php
  ];
  const found: { file: string; value: string }[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const re of patterns) for (const m of text.matchAll(re)) found.push({ file, value: m[1]! });
  }
  return found;
}

describe('secrets in the docs and examples', () => {
  it('finds the secrets written in the docs (the scan itself works)', () => {
    expect(secretsInDocs().some((s) => s.file === 'docs/deploy.md')).toBe(true);
  });

  it('none of them would be accepted by a production sidecar', () => {
    for (const { file, value } of secretsInDocs()) {
      // Shorter than 32 characters is refused anyway; longer ones must be known examples.
      if (value.length < 32) continue;
      expect(exampleSecretReason(value), `${file}: ${value}`).toBeDefined();
      expect(() => parseConfig({ NODE_ENV: 'production', MAIL_TRANSPORT: 'smtp://127.0.0.1:25', APPOINTEASE_SECRET: value }), `${file}: ${value}`).toThrow(/APPOINTEASE_SECRET/);
    }
  });
});
