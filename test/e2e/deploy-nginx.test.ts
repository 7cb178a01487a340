// Issue 17, done-when: the deployment of docs/deploy.md, followed literally on one host.
// Debian's nginx on a non-standard port with the doc's own nginx block, in front of two
// BUILT sidecar instances started the way deploy/appointease@.service starts them (its
// ExecStart, with the doc's settings block as the EnvironmentFile), and Debian's WordPress
// with the bridge, configured by the doc's wp-config block. Everything the browser does
// goes through nginx: an admin save, the live lock feed, a booking. A foreign origin is
// refused and logged with nginx's request id.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAdminToken } from '../../server/src/services/admin-token';
import { REPO_ROOT, WordPress, freePort } from '../bridge/wordpress.js';
import { deployBlock, SECRET_PLACEHOLDER } from '../helpers/deploy-docs';
import { parseSystemdEnvironmentFile } from '../helpers/env-files';
import { deletePrefix } from '../helpers/services';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, codeFromMail, login, prerequisite as wordpressPrerequisite } from './wordpress-harness.js';

const NGINX = '/usr/sbin/nginx';
const prerequisite = wordpressPrerequisite ?? (existsSync(NGINX) ? null : 'nginx is missing (apt-get install nginx-light)');
const SECRET = randomBytes(32).toString('hex');
const UNIT = readFileSync(join(REPO_ROOT, 'deploy/appointease@.service'), 'utf8');

interface Instance {
  port: number;
  process: ChildProcess;
  output: () => string;
  lines: () => Record<string, unknown>[];
}

/** Starts one instance exactly as systemd would from the unit file: its ExecStart with %i and %H filled in. */
async function startLikeSystemd(port: number, environmentFile: string): Promise<Instance> {
  const execStart = /^ExecStart=(.+)$/m.exec(UNIT)![1]!.replaceAll('%i', String(port)).replaceAll('%H', hostname());
  const [command, ...args] = execStart.split(/\s+/);
  const child = spawn(command!, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH!, ...parseSystemdEnvironmentFile(readFileSync(environmentFile, 'utf8')) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const instance: Instance = {
    port,
    process: child,
    output: () => out,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`instance ${port} exited: ${out}`);
    const ok = await fetch(`http://127.0.0.1:${port}/appointease/v1/health`).then((r) => r.ok, () => false);
    if (ok) return instance;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`instance ${port} did not answer: ${out}`);
}

describe('prerequisites of the deployment end-to-end test', () => {
  it('nginx, php, WordPress and Chromium are installed', () => {
    expect(prerequisite, prerequisite ?? '').toBeNull();
  });
});

describe.skipIf(prerequisite)('docs/deploy.md followed literally: nginx on a non-standard port, two built instances, WordPress with the bridge', () => {
  let dir: string;
  let wp: WordPress;
  let nginx: ChildProcess | undefined;
  let site: string;
  const instances: Instance[] = [];
  let browser: Browser;
  let staffId: number;
  let serviceId: number;
  let bookingPageId: number;
  const prefix = `deploy${Date.now().toString(36)}:`;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'appointease-deploy-'));
    // The built server, as `npm ci` leaves it (npm test's pretest step builds it afresh).
    expect(existsSync(join(REPO_ROOT, 'server/dist/index.js')), 'server/dist is missing: npm run build:server').toBe(true);

    const [nginxPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    site = `http://127.0.0.1:${nginxPort}`;

    // WordPress, configured with the doc's wp-config block for this site.
    const wpConfigFile = join(dir, 'config.php');
    writeFileSync(wpConfigFile, `<?php\n${deployBlock('wp-config').replaceAll('https://example.com', site).replaceAll(SECRET_PLACEHOLDER, SECRET)}\n`);
    const constants = JSON.parse(
      spawnSync('php', ['-r', `include ${JSON.stringify(wpConfigFile)}; $c = get_defined_constants( true )['user']; echo json_encode( $c );`], { encoding: 'utf8' }).stdout,
    ) as Record<string, string>;
    expect(Object.keys(constants).sort()).toEqual(['APPOINTEASE_SECRET', 'APPOINTEASE_SIDECAR_URL']);
    wp = await WordPress.create({ label: 'deploy', constants, publicUrl: () => site });
    await wp.serve();
    const ids = wp.phpJson<{ service: number; staff: number; page: number }>(`
      global $wpdb;
      $wpdb->insert( $wpdb->prefix . 'appointease_services', array( 'name' => 'Consultation', 'duration' => 45, 'price' => 0 ) );
      $service = $wpdb->insert_id;
      $hours = array();
      foreach ( array( 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun' ) as $day ) { $hours[ $day ] = array( '00:00', '23:30' ); }
      $wpdb->insert( $wpdb->prefix . 'appointease_staff', array( 'name' => 'Dana Example', 'email' => 'dana@example.com', 'working_hours' => wp_json_encode( $hours ) ) );
      $staff = $wpdb->insert_id;
      $page = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_title' => 'Book', 'post_content' => "[appointease service=\\"$service\\" employee=\\"$staff\\"]" ) );
      echo wp_json_encode( array( 'service' => $service, 'staff' => $staff, 'page' => $page ) );
    `);
    [serviceId, staffId, bookingPageId] = [ids.service, ids.staff, ids.page];

    // The settings block as the EnvironmentFile, with this host's database, Redis, site and secret.
    const settings = deployBlock('settings')
      .replace(/^DATABASE_URL=.*$/m, `DATABASE_URL=mysql://root@127.0.0.1:3306/${wp.dbName}`)
      .replace(/^REDIS_URL=.*$/m, 'REDIS_URL=redis://127.0.0.1:6379')
      .replace(/^WP_TABLE_PREFIX=.*$/m, `WP_TABLE_PREFIX=${wp.prefix}`)
      .replaceAll('https://example.com', site)
      .replaceAll(SECRET_PLACEHOLDER, SECRET);
    const environmentFile = join(dir, 'appointease.env');
    writeFileSync(environmentFile, `${settings}REDIS_KEY_PREFIX=${prefix}\n`);
    instances.push(await startLikeSystemd(portA, environmentFile), await startLikeSystemd(portB, environmentFile));

    // nginx with the doc's block: the upstream's two ports are ours; the site's own part
    // (the comment the doc leaves for it) becomes a listen line and WordPress behind it.
    const block = deployBlock('nginx').replace('127.0.0.1:8787', `127.0.0.1:${portA}`).replace('127.0.0.1:8788', `127.0.0.1:${portB}`);
    const sitePart = /^\s*# … the site's existing .*$/m;
    expect(block).toMatch(sitePart);
    const wordpressHere = `listen 127.0.0.1:${nginxPort};
    location / {
        proxy_pass http://127.0.0.1:${wp.port};
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }`;
    const root = process.getuid?.() === 0;
    writeFileSync(
      join(dir, 'nginx.conf'),
      `${root ? 'user root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
daemon off;
events { worker_connections 512; }
http {
    access_log ${dir}/nginx-access.log;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${block.replace(sitePart, wordpressHere)}
}
`,
    );
    const check = spawnSync(NGINX, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${site}/appointease/v1/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
    for (const i of instances) {
      const exited = new Promise((r) => i.process.once('exit', r));
      i.process.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    await wp?.destroy();
    await deletePrefix(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('answers through nginx from both instances, each naming itself in /health and /metrics', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add(((await (await fetch(`${site}/appointease/v1/health`)).json()) as { instance: string }).instance);
    // The settings are production's: each instance runs one worker per core (WORKERS), named host:port/wN.
    const instanceOf = (name: string) => name.replace(/\/w\d+$/, '');
    expect([...new Set([...names].map(instanceOf))].sort()).toEqual(instances.map((i) => `${hostname()}:${i.port}`).sort());
    // Scraped per instance (section 7), each says who it is; the same-host allow lets a local scraper in.
    const token = signAdminToken(SECRET, 1);
    for (const i of instances) {
      const text = await (await fetch(`http://127.0.0.1:${i.port}/appointease/v1/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      expect(text).toMatch(new RegExp(`appointease_instance="${hostname()}:${i.port}(/w\\d+)?"`));
    }
    expect((await fetch(`${site}/appointease/v1/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('an administrator saves a service and watches holds live, through nginx on a non-standard port', async () => {
    const context = await browser.newContext();
    const admin = await login(context, wp, 'admin', 'admin-pass');
    admin.on('dialog', (d) => void d.accept());
    await admin.goto(`${site}/wp-admin/admin.php?page=appointease-bridge-services`);
    await admin.locator('#appointease-admin .appointease-loading').waitFor({ state: 'detached' });
    await admin.getByRole('button', { name: 'Add service' }).click();
    await admin.getByLabel('Name').fill('Deep tissue massage');
    await admin.getByLabel('Duration (minutes)').fill('60');
    await admin.getByLabel('Price').fill('80');
    await admin.getByRole('button', { name: 'Save service' }).click();
    await admin.locator('tbody tr', { hasText: 'Deep tissue massage' }).waitFor();
    expect(await admin.locator('#appointease-admin .notice-error').allTextContents()).toEqual([]);

    // The live feed is a WebSocket through nginx: "live", not the polling fallback.
    await admin.goto(`${site}/wp-admin/admin.php?page=appointease`);
    await admin.locator('.appointease-feed[data-state="live"]').waitFor({ timeout: 15_000 });
    const date = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const held = await fetch(`${site}/appointease/v1/locks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ date, time: '10:00', employeeId: staffId, serviceId }),
    });
    expect(held.status).toBe(201);
    const row = admin.locator(`tr[data-lock="${date} 10:00 ${staffId}"]`);
    await row.waitFor({ timeout: 5_000 });
    await admin.screenshot({ path: join(ARTIFACTS, 'deploy-nginx-live-locks.png'), fullPage: true });
    await context.close();
  }, 90_000);

  it('a visitor books through the [appointease] page, the code relayed by WordPress', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${site}/?page_id=${bookingPageId}`);
    const time = page.getByRole('button', { name: /^\d\d:\d\d$/ }).and(page.locator(':not([disabled]):not([aria-disabled="true"])')).first();
    await time.waitFor({ timeout: 20_000 });
    await time.click();
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('Email', { exact: true }).fill('ada@example.com');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Verification code', { exact: true }).fill(await codeFromMail(wp, 'ada@example.com'));
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByText(/APT-\d{4}-\d{6}/).first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'deploy-nginx-booked.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('refuses a foreign origin and logs it at warn with the request id nginx gave it', async () => {
    const refused = await fetch(`${site}/appointease/v1/services`, { headers: { Origin: 'https://evil.example' } });
    expect(refused.status).toBe(403);
    const id = refused.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id
    await expect
      .poll(() => instances.flatMap((i) => i.lines()).find((l) => l.requestId === id && l.level === 'warn'), { timeout: 5_000 })
      .toMatchObject({ code: 'forbidden', origin: 'https://evil.example', host: new URL(site).host });
    // Both instances served requests (nginx spread them), each logging its access lines.
    for (const i of instances) expect(i.lines().some((l) => l.msg === 'request')).toBe(true);
    expect(instances.map((i) => i.output()).join('\n')).not.toMatch(/older than server\/src|is not a setting AppointEase knows/);
  });
});
