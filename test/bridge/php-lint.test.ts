// `php -l` over every PHP file the plugin ships. A missing php binary is a failure with
// an install hint, not a skip: CI installs php-cli, and a silent skip would hide that it didn't.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLUGIN_DIR, REPO_ROOT, phpLint } from './wordpress.js';

function phpFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules') return [];
    if (statSync(path).isDirectory()) return phpFiles(path);
    return entry.endsWith('.php') ? [path] : [];
  });
}

describe('php -l', () => {
  it('php-cli is installed (apt-get install php-cli)', () => {
    const result = spawnSync('php', ['--version'], { encoding: 'utf8' });
    expect(result.error, 'php not found on PATH: install the Debian package php-cli').toBeUndefined();
    expect(result.stdout).toMatch(/^PHP 8\./);
  });

  const files = phpFiles(PLUGIN_DIR);
  it('finds the plugin files', () => {
    expect(files.map((f) => relative(PLUGIN_DIR, f))).toEqual(
      expect.arrayContaining(['appointease-bridge.php', 'uninstall.php', 'includes/class-appointease-bridge-jwt.php']),
    );
  });

  for (const file of [...files, ...phpFiles(join(REPO_ROOT, 'test/bridge/fixtures'))]) {
    it(`${relative(REPO_ROOT, file)} has no syntax errors`, async () => {
      const [code, output] = await phpLint(file);
      expect(output).toContain('No syntax errors detected');
      expect(code).toBe(0);
    });
  }
});
