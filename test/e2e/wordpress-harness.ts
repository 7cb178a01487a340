// What the WordPress end-to-end tests share: the sidecar as its own process (as `npm start`
// runs it), logging into wp-admin in Chromium, and reading one-time codes from WordPress's mail.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT, WordPress, missingPrerequisite } from '../bridge/wordpress.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test/artifacts');
export const SECRET = `e2e-secret-${'x'.repeat(40)}`;
export const prerequisite = missingPrerequisite() ?? (existsSync(CHROMIUM) ? null : `Chromium is missing at ${CHROMIUM} (apt-get install chromium)`);
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A sidecar as its own process (unlike test/helpers/sidecar.ts's startSidecar, which runs one in this process). */
export type SidecarProcess = Awaited<ReturnType<typeof startSidecarProcess>>;

export async function startSidecarProcess(port: number, env: Record<string, string>): Promise<{ url: string; process: ChildProcess; output: () => string }> {
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

/**
 * Logs into wp-admin through wp-login.php in the browser; resolves on the first wp-admin page.
 *
 * wp-login.php focuses and selects the username field 200 ms after its inline script runs
 * (wp_attempt_focus), and fill() focuses a field and types into it in two steps: on a loaded
 * machine that timer could fire in between while filling the password, which then replaced
 * the username; WordPress answered "The password field is empty." on wp-login.php and the old
 * helper waited 30 s for a wp-admin URL that never came. So this waits for that focus to have
 * happened, checks both fields hold what was typed before submitting, and reads WordPress's
 * answer to the POST: a redirect onwards, or the page's own error text in the exception.
 */
export async function login(context: BrowserContext, wp: WordPress, user: string, password: string, timeoutMs = 60_000): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${wp.url}/wp-login.php`, { timeout: timeoutMs });
  // The autofocus is skipped on a page that shows an error; then there is nothing to wait for.
  await page.waitForFunction(() => document.activeElement?.id === 'user_login', null, { timeout: 5_000 }).catch(() => undefined);
  for (let attempt = 1; ; attempt++) {
    await page.fill('#user_login', user);
    await page.fill('#user_pass', password);
    const typed = { user: await page.inputValue('#user_login'), password: await page.inputValue('#user_pass') };
    if (typed.user === user && typed.password === password) break;
    if (attempt === 3) throw new Error(`login as ${user}: the form would not keep what was typed (username field: ${JSON.stringify(typed.user)})`);
  }
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/wp-login.php'), { timeout: timeoutMs });
  await page.click('#wp-submit', { noWaitAfter: true });
  const answer = await posted;
  if (answer.status() !== 302) {
    await page.waitForLoadState('domcontentloaded').catch(() => undefined);
    const error = (await page.locator('#login_error').textContent({ timeout: 2_000 }).catch(() => null))?.replace(/\s+/g, ' ').trim();
    throw new Error(`login as ${user} failed: wp-login.php answered ${answer.status()}${error ? ` — “${error}”` : ' without an error message'} (page: ${page.url()})`);
  }
  // The dashboard's DOM is enough; its last images and widgets need not have loaded.
  await page.waitForURL(/\/wp-admin\//, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
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

/**
 * The sidecar beside a test WordPress, as a site runs it: on the site's database and table
 * prefix, its own Redis key prefix, the site's origin allowed, and mail (one-time codes,
 * confirmations) relayed through the bridge's signed route into wp_mail.
 */
export function startSidecarForSite(wp: WordPress, port: number, prefix: string, extraEnv: Record<string, string> = {}): ReturnType<typeof startSidecarProcess> {
  return startSidecarProcess(port, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: `mysql://root@127.0.0.1:3306/${wp.dbName}`,
    WP_TABLE_PREFIX: wp.prefix,
    REDIS_KEY_PREFIX: prefix,
    APPOINTEASE_SECRET: SECRET,
    ALLOWED_ORIGINS: wp.url,
    MAIL_TRANSPORT: 'wordpress',
    WORDPRESS_URL: wp.url,
    MAIL_FROM: 'AppointEase <no-reply@example.com>',
    ...extraEnv,
  });
}

/** Stops a sidecar started by startSidecarProcess(). */
export async function stopSidecarProcess(sidecar: SidecarProcess | undefined): Promise<void> {
  if (!sidecar) return;
  const exited = new Promise((r) => sidecar.process.once('exit', r));
  sidecar.process.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}

/**
 * A catalogue as an existing AppointEase site stores it (working hours as JSON, every day
 * 00:00–23:30): one 30-minute service, the named staff, and a page with the shortcode for the
 * first of them.
 */
export function seedSiteCatalogue(wp: WordPress, o: { staff: string[]; pageTitle: string }): { service: number; staff: number[]; page: number } {
  return wp.phpJson(`
    global $wpdb;
    $wpdb->insert( $wpdb->prefix . 'appointease_services', array( 'name' => 'Consultation', 'duration' => 30, 'price' => 0 ) );
    $service = $wpdb->insert_id;
    $hours = array();
    foreach ( array( 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun' ) as $day ) { $hours[ $day ] = array( '00:00', '23:30' ); }
    $staff = array();
    foreach ( json_decode( ${JSON.stringify(JSON.stringify(o.staff))} ) as $name ) {
      $wpdb->insert( $wpdb->prefix . 'appointease_staff', array( 'name' => $name, 'email' => strtolower( strtok( $name, ' ' ) ) . '@example.com', 'working_hours' => wp_json_encode( $hours ) ) );
      $staff[] = $wpdb->insert_id;
    }
    $page = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_title' => ${JSON.stringify(o.pageTitle)}, 'post_content' => "[appointease service=\\"$service\\" employee=\\"$staff[0]\\"]" ) );
    echo wp_json_encode( array( 'service' => $service, 'staff' => $staff, 'page' => $page ) );
  `);
}

/** Closes what a WordPress end-to-end test started, and removes its Redis keys (SCAN, never KEYS). */
export async function tearDownSite(o: { browser?: Browser; sidecar?: SidecarProcess; wp?: WordPress; prefix: string }): Promise<void> {
  await o.browser?.close();
  await stopSidecarProcess(o.sidecar);
  await o.wp?.destroy();
  if (o.prefix) spawnSync('sh', ['-c', `redis-cli -h 127.0.0.1 --scan --pattern '${o.prefix}*' | xargs -r redis-cli -h 127.0.0.1 del`]);
}
