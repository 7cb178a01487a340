// What the WordPress end-to-end tests share: the sidecar as its own process (as `npm start`
// runs it), logging into wp-admin in Chromium, and reading one-time codes from WordPress's mail.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT, WordPress, missingPrerequisite } from '../bridge/wordpress.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test/artifacts');
export const SECRET = `e2e-secret-${'x'.repeat(40)}`;
export const prerequisite = missingPrerequisite() ?? (existsSync(CHROMIUM) ? null : `Chromium is missing at ${CHROMIUM} (apt-get install chromium)`);
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export type RunningSidecar = Awaited<ReturnType<typeof startSidecar>>;

export async function startSidecar(port: number, env: Record<string, string>): Promise<{ url: string; process: ChildProcess; output: () => string }> {
  let output = '';
  const child = spawn(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['server/src/index.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sidecar exited: ${output}`);
    try {
      if ((await fetch(`${url}/appointease/v1/health`)).ok) return { url, process: child, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGTERM');
  throw new Error(`sidecar did not become healthy: ${output}`);
}

export async function login(context: BrowserContext, wp: WordPress, user: string, password: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${wp.url}/wp-login.php`);
  await page.fill('#user_login', user);
  await page.fill('#user_pass', password);
  await Promise.all([page.waitForURL(/wp-admin/), page.click('#wp-submit')]);
  return page;
}

/** The one-time code from the newest mail to `email` that WordPress sent. */
export async function codeFromMail(wp: WordPress, email: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const mail = wp
      .mails()
      .filter((m) => m.to.includes(email))
      .at(-1);
    const code = mail?.mime.match(/\b(\d{6})\b/)?.[1];
    if (code) return code;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no code mailed to ${email}`);
}

/** Stops a sidecar started by startSidecar(). */
export async function stopSidecar(sidecar: RunningSidecar | undefined): Promise<void> {
  if (!sidecar) return;
  const exited = new Promise((r) => sidecar.process.once('exit', r));
  sidecar.process.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}
