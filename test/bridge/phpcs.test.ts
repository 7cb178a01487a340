// The bridge's PHP passes PHP_CodeSniffer with WordPress-Extra (phpcs.xml.dist): zero
// errors and zero warnings. A missing tool fails this test with where it was looked for;
// it never passes silently.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPhpcs, phpcsCandidates, runPhpcs } from './phpcs';
import { REPO_ROOT } from './wordpress';

const bin = findPhpcs();

describe('PHP_CodeSniffer (WordPress-Extra) on wp-bridge/', () => {
  it('the vendored phpcs-wp is found', () => {
    expect(bin, `phpcs-wp not found; looked in ${phpcsCandidates().join(', ')}. Set PHPCS_WP_DIR to the directory holding its phpcs script.`).not.toBeNull();
  });

  it.runIf(bin)(
    'reports no error and no warning',
    () => {
      const { findings, files } = runPhpcs(bin!);
      expect(files).toBeGreaterThanOrEqual(10);
      expect(findings.map((f) => `${f.file}:${f.line} ${f.type} ${f.message} (${f.source})`)).toEqual([]);
    },
    120_000,
  );

  it.runIf(bin)(
    'would catch a finding: the standard is really applied (text domain, prefix, formatting)',
    () => {
      // A copy of the configuration and one bad file, so a broken ruleset cannot pass quietly.
      const dir = mkdtempSync(join(tmpdir(), 'appointease-phpcs-'));
      try {
        cpSync(join(REPO_ROOT, 'phpcs.xml.dist'), join(dir, 'phpcs.xml.dist'));
        mkdirSync(join(dir, 'wp-bridge'));
        writeFileSync(
          join(dir, 'wp-bridge', 'bad.php'),
          `<?php\n/**\n * Bad.\n *\n * @package X\n */\n\n/**\n * Unprefixed.\n */\nfunction appointease_boot() {\n\treturn __( 'Hi', 'appointease' );\n}\n`,
        );
        const result = spawnSync(bin!, ['--report=json', '-q'], { cwd: dir, encoding: 'utf8' });
        const report = JSON.parse(result.stdout) as { files: Record<string, { messages: Array<{ source: string }> }> };
        const sources = Object.values(report.files).flatMap((f) => f.messages.map((m) => m.source));
        expect(sources).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^WordPress\.NamingConventions\.PrefixAllGlobals/),
            expect.stringMatching(/^WordPress\.WP\.I18n\.TextDomainMismatch/),
          ]),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
