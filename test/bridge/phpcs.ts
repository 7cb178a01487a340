// PHP_CodeSniffer with the WordPress Coding Standards, as vendored for the team in
// ../shared/tools/phpcs-wp/ (not part of this repository). CI runs a clean clone of the
// repository, possibly at another path, so the tool is looked for in order:
//   1. $PHPCS_WP_DIR (a directory holding the `phpcs` wrapper),
//   2. ../shared/tools/phpcs-wp beside the repository (the layout the tool's README assumes),
//   3. /work/shared/tools/phpcs-wp (where the machine keeps it).
// `npm run lint:php` prints the full report, as `npm test` checks it; `npm run lint:php -- --fix`
// lets phpcbf fix what it can (formatting) first.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Where the tool was looked for, in order. */
export function phpcsCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.PHPCS_WP_DIR, resolve(REPO_ROOT, '../shared/tools/phpcs-wp'), '/work/shared/tools/phpcs-wp'].filter((d): d is string => !!d);
}

/** The phpcs wrapper script, or null when none of the candidates has it. */
export function findPhpcs(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of phpcsCandidates(env)) {
    const bin = join(dir, 'phpcs');
    if (existsSync(bin)) return bin;
  }
  return null;
}

export interface PhpcsFinding {
  file: string;
  line: number;
  type: 'ERROR' | 'WARNING';
  source: string;
  message: string;
}

/** Runs phpcs with the repository's phpcs.xml.dist; every finding, errors and warnings alike. */
export function runPhpcs(bin: string): { findings: PhpcsFinding[]; files: number } {
  const result = spawnSync(bin, ['--report=json', '-q'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  // Exit 1/2 only means "findings"; anything unparseable is a broken run, reported as such.
  let report: { files: Record<string, { messages: Array<Omit<PhpcsFinding, 'file'>> }> };
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`phpcs did not produce a report (exit ${result.status}): ${result.stderr || result.stdout}`);
  }
  const findings = Object.entries(report.files).flatMap(([file, { messages }]) => messages.map((m) => ({ ...m, file })));
  return { findings, files: Object.keys(report.files).length };
}

/** Runs phpcbf (shipped inside PHP_CodeSniffer, without a wrapper) with the same standards. */
function runPhpcbf(bin: string): void {
  const dir = dirname(bin);
  const installed = ['wpcs', 'phpcsutils', 'phpcsextra'].map((d) => join(dir, d)).join(',');
  spawnSync('php', [join(dir, 'php_codesniffer/bin/phpcbf'), '--runtime-set', 'installed_paths', installed], { cwd: REPO_ROOT, stdio: 'inherit' });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bin = findPhpcs();
  if (!bin) {
    console.error(`phpcs-wp not found; looked in: ${phpcsCandidates().join(', ')} (set PHPCS_WP_DIR)`);
    process.exit(2);
  }
  if (process.argv.includes('--fix')) runPhpcbf(bin);
  const { findings, files } = runPhpcs(bin);
  for (const f of findings) console.log(`${f.file}:${f.line} ${f.type} ${f.message} (${f.source})`);
  console.log(`${files} files, ${findings.length} findings`);
  process.exit(findings.length ? 1 : 0);
}
