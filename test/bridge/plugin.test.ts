// The bridge plugin under a real WordPress (see wordpress.ts): admin tokens, the shortcode,
// the settings page and the admin menu's permissions, over HTTP exactly as browsers use them.
// The sidecar is stood in for by a tiny HTTP server that answers /health, because these
// tests are about the plugin; the full stack is test/e2e/wordpress.test.ts.
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WordPress, freePort, missingPrerequisite } from './wordpress.js';

const prerequisite = missingPrerequisite();
const SECRET = randomBytes(32).toString('hex');

describe('WordPress prerequisites', () => {
  it('php-cli, php-mysql and wordpress are installed', () => {
    expect(prerequisite, prerequisite ?? '').toBeNull();
  });
});

describe.skipIf(prerequisite)('bridge plugin, configured by wp-config constants', () => {
  let wp: WordPress;
  let sidecar: Server;
  let sidecarUrl: string;
  let sidecarHealthy = true;
  let adminCookie: string;
  let subscriberCookie: string;

  beforeAll(async () => {
    const port = await freePort();
    sidecarUrl = `http://127.0.0.1:${port}`;
    sidecar = createServer((req, res) => {
      if (req.url === '/appointease/v1/health' && sidecarHealthy) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', mysql: 'connected', redis: 'connected', websocket: { clients: 4 }, version: '9.8.7' }));
        return;
      }
      res.writeHead(503).end();
    });
    await new Promise<void>((r) => sidecar.listen(port, '127.0.0.1', r));
    wp = await WordPress.create({
      label: 'plugin',
      tablePrefix: 'wpt_',
      constants: { APPOINTEASE_SIDECAR_URL: `${sidecarUrl}/`, APPOINTEASE_SECRET: SECRET },
    });
    await wp.serve();
    adminCookie = await wp.login('admin', 'admin-pass');
    subscriberCookie = await wp.login('subscriber', 'subscriber-pass');
  }, 60_000);

  afterAll(async () => {
    await wp?.destroy();
    await new Promise((r) => sidecar?.close(r));
  });

  const tokenRoute = () => `${wp.url}/?rest_route=/appointease-bridge/v1/token`;

  describe('POST /token', () => {
    it('gives an administrator an HS256 admin JWT the sidecar can verify, valid at most 10 minutes', async () => {
      const before = Math.floor(Date.now() / 1000);
      const response = await fetch(tokenRoute(), {
        method: 'POST',
        headers: { cookie: adminCookie, 'x-wp-nonce': wp.restNonce(adminCookie) },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toContain('no-store');
      const body = (await response.json()) as { token: string; expiresAt: string };
      // The sidecar verifies exactly like this (CONTRACT §7): pinned algorithm, audience.
      const claims = jwt.verify(body.token, SECRET, { algorithms: ['HS256'], audience: 'appointease-admin' }) as jwt.JwtPayload;
      expect(claims.sub).toBe(String(wp.site.adminId));
      expect(claims.iat).toBeGreaterThanOrEqual(before - 1);
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(600);
      expect(claims.exp!).toBeGreaterThan(before);
      expect(new Date(body.expiresAt).getTime()).toBe(claims.exp! * 1000);
      expect(jwt.decode(body.token, { complete: true })?.header).toEqual({ alg: 'HS256', typ: 'JWT' });
      // The token is worthless under any other secret.
      expect(() => jwt.verify(body.token, `${SECRET}x`, { algorithms: ['HS256'] })).toThrow(/signature/);
    });

    it('refuses a subscriber with a valid nonce (403)', async () => {
      const response = await fetch(tokenRoute(), {
        method: 'POST',
        headers: { cookie: subscriberCookie, 'x-wp-nonce': wp.restNonce(subscriberCookie) },
      });
      expect(response.status).toBe(403);
      expect(JSON.stringify(await response.json())).not.toMatch(/eyJ/);
    });

    it('refuses an administrator cookie without a nonce (CSRF) and with a forged one', async () => {
      const noNonce = await fetch(tokenRoute(), { method: 'POST', headers: { cookie: adminCookie } });
      expect(noNonce.status).toBe(401);
      const forged = await fetch(tokenRoute(), { method: 'POST', headers: { cookie: adminCookie, 'x-wp-nonce': 'abcdef1234' } });
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as { code: string }).code).toBe('rest_cookie_invalid_nonce');
    });

    it('refuses GET and anonymous requests', async () => {
      expect((await fetch(tokenRoute(), { method: 'POST' })).status).toBe(401);
      expect((await fetch(tokenRoute(), { headers: { cookie: adminCookie, 'x-wp-nonce': wp.restNonce(adminCookie) } })).status).toBe(404);
    });
  });

  describe('[appointease] shortcode', () => {
    const render = (shortcode: string) => wp.php(`echo do_shortcode( ${JSON.stringify(shortcode).replace(/\$/g, '\\$')} );`);

    it('renders the custom element with the sidecar URL, ids and the WordPress locale', () => {
      expect(render('[appointease service="1" employee="2"]')).toBe(
        `<appointease-booking api="${sidecarUrl}" service="1" employee="2" locale="en-US"></appointease-booking>`,
      );
      expect(render('[appointease]')).toBe(`<appointease-booking api="${sidecarUrl}" locale="en-US"></appointease-booking>`);
    });

    it('never lets an attribute break out of the tag', () => {
      for (const evil of [`'"><script>alert(1)</script>'`, `"1 onmouseover=alert(1)"`, `'1" x="'`, `"-3"`, `"1e3"`]) {
        const html = render(`[appointease service=${evil} employee=${evil}]`);
        expect(html).toBe(`<appointease-booking api="${sidecarUrl}" locale="en-US"></appointease-booking>`);
      }
    });

    it('enqueues widget.js (deferred) on a page with the shortcode, and only there', async () => {
      const page = await (await fetch(`${wp.url}/?page_id=${wp.site.pageId}`)).text();
      expect(page).toContain(`<appointease-booking api="${sidecarUrl}" service="1" employee="1" locale="en-US">`);
      const scripts = page.match(/<script[^>]*appointease\/v1\/widget\.js[^>]*>/g) ?? [];
      expect(scripts).toHaveLength(1);
      expect(scripts[0]).toMatch(/<script defer /);
      expect(scripts[0]).toMatch(new RegExp(`src=["']${sidecarUrl}/appointease/v1/widget\\.js\\?ver=`));

      const home = await (await fetch(`${wp.url}/?p=1`)).text();
      expect(home).toContain('Hello world');
      expect(home).not.toContain('widget.js');
    });
  });

  describe('admin menu', () => {
    it('opens admin.php?page=appointease on Live locks with the bundle and its config, but no secret', async () => {
      const response = await fetch(`${wp.url}/wp-admin/admin.php?page=appointease`, { headers: { cookie: adminCookie } });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toMatch(/<h1>Live locks<\/h1>/);
      expect(html).toContain('id="appointease-admin" data-page="locks"');
      expect(html).toMatch(/appointease-bridge\/assets\/admin\.js\?ver=/);
      for (const label of ['Appointments', 'Services', 'Staff', 'Time off &#038; blackouts', 'Webhooks', 'Settings']) expect(html).toContain(`>${label}</a>`);
      const config = JSON.parse(html.match(/window\.appointeaseBridgeAdmin = (\{.*?\});/)![1]);
      expect(config.sidecarUrl).toBe(sidecarUrl);
      expect(config.tokenUrl).toContain('appointease-bridge/v1/token');
      expect(html).not.toContain(SECRET);
      const webhooks = await (await fetch(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-webhooks`, { headers: { cookie: adminCookie } })).text();
      expect(webhooks).toMatch(/<h1>Webhooks<\/h1>/);
      expect(webhooks).toContain('id="appointease-admin" data-page="webhooks"');
    });

    it('the AppointEase menu item opens the calendar; the bundle loads wp.i18n and gets the admin’s language', async () => {
      const html = await (await fetch(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-calendar`, { headers: { cookie: adminCookie } })).text();
      expect(html).toContain('id="appointease-admin" data-page="calendar"');
      // WordPress links the top-level item to the first submenu page.
      expect(html).toMatch(/<a href='admin\.php\?page=appointease-bridge-calendar'[^>]*class="[^"]*menu-top[^"]*"/);
      expect(html).toMatch(/wp-includes\/js\/dist\/i18n(\.min)?\.js/);
      const config = JSON.parse(html.match(/window\.appointeaseBridgeAdmin = (\{.*?\});/)![1]);
      expect(config.views).toEqual({
        calendar: `${wp.url}/wp-admin/admin.php?page=appointease-bridge-calendar`,
        locks: `${wp.url}/wp-admin/admin.php?page=appointease`,
        appointments: `${wp.url}/wp-admin/admin.php?page=appointease-bridge-appointments`,
      });
      const german = /"Calendar":\s*\[\s*"Kalender"\s*\]/;
      expect(html).not.toMatch(german);

      // An administrator who reads German (de_AT falls back to the shipped de_DE) gets the bundle's German strings.
      wp.php(`update_user_meta( 1, 'locale', 'de_AT' );`);
      try {
        const de = await (await fetch(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-calendar`, { headers: { cookie: adminCookie } })).text();
        expect(de).toMatch(/wp\.i18n\.setLocaleData\( localeData, domain \);\s*\} \)\( "appointease-bridge"/);
        expect(de).toMatch(german);
      } finally {
        wp.php(`delete_user_meta( 1, 'locale' );`);
      }
    });

    it('does not show the menu or the pages to a subscriber', async () => {
      const dashboard = await (await fetch(`${wp.url}/wp-admin/profile.php`, { headers: { cookie: subscriberCookie } })).text();
      expect(dashboard).toContain('Profile');
      expect(dashboard).not.toContain('page=appointease');
      for (const slug of ['appointease', 'appointease-bridge-settings', 'appointease-bridge-staff', 'appointease-bridge-webhooks']) {
        const response = await fetch(`${wp.url}/wp-admin/admin.php?page=${slug}`, { headers: { cookie: subscriberCookie } });
        expect(response.status).toBe(403);
        const html = await response.text();
        expect(html).not.toContain('appointeaseBridgeAdmin');
        expect(html).not.toContain('appointease/v1/widget.js');
      }
    });

    it('shows constants read-only on the settings page, the secret only as "set", and the sidecar health', async () => {
      const html = await (await fetch(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-settings`, { headers: { cookie: adminCookie } })).text();
      expect(html).toContain(`<code id="appointease-sidecar-url">${sidecarUrl}</code>`);
      expect(html).toContain('Set by APPOINTEASE_SECRET in wp-config.php.');
      expect(html).toMatch(/id="appointease-secret-state">set</);
      expect(html).not.toContain(SECRET);
      expect(html).not.toContain('name="appointease_bridge_settings[secret]"');
      expect(html).toContain('Status ok — version 9.8.7, MySQL connected, Redis connected, 4 WebSocket clients');
    });

    it('says clearly when the sidecar is down', async () => {
      sidecarHealthy = false;
      try {
        wp.php(`delete_transient( 'appointease_bridge_health' );`);
        const html = await (await fetch(`${wp.url}/wp-admin/admin.php?page=appointease`, { headers: { cookie: adminCookie } })).text();
        expect(html).toContain('AppointEase sidecar is down.');
        expect(html).toContain('HTTP 503');
      } finally {
        sidecarHealthy = true;
        wp.php(`delete_transient( 'appointease_bridge_health' );`);
      }
    });
  });

  it('checks health at APPOINTEASE_SIDECAR_INTERNAL_URL when defined (containers: the public URL may not be reachable from PHP)', async () => {
    const deadPort = await freePort();
    const health = async (define: string) =>
      JSON.parse(await wp.phpAsync(`${define} echo wp_json_encode( Appointease_Bridge_Settings::health( false ) );`)) as { ok: boolean; status: string };
    expect(await health('')).toMatchObject({ ok: true, status: 'ok' });
    expect(await health(`define( 'APPOINTEASE_SIDECAR_INTERNAL_URL', 'http://127.0.0.1:${deadPort}' );`)).toMatchObject({ ok: false, status: 'down' });
    // The widget still gets the public URL.
    expect(wp.php(`define( 'APPOINTEASE_SIDECAR_INTERNAL_URL', 'http://sidecar:8787' ); echo do_shortcode( '[appointease]' );`)).toContain(`api="${sidecarUrl}"`);
  });

  it('logged no PHP warning or notice from the plugin', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});

describe.skipIf(prerequisite)('bridge plugin, configured by its settings page', () => {
  let wp: WordPress;
  let adminCookie: string;

  beforeAll(async () => {
    wp = await WordPress.create({ label: 'settings' });
    await wp.serve();
    adminCookie = await wp.login('admin', 'admin-pass');
  }, 60_000);
  afterAll(async () => wp?.destroy());

  const settingsPage = async () =>
    (await fetch(`${wp.url}/wp-admin/admin.php?page=appointease-bridge-settings`, { headers: { cookie: adminCookie } })).text();

  async function save(fields: Record<string, string>, nonce?: string) {
    const html = await settingsPage();
    const form = new URLSearchParams({
      option_page: 'appointease_bridge',
      action: 'update',
      _wpnonce: nonce ?? html.match(/name="_wpnonce" value="([^"]+)"/)![1],
      _wp_http_referer: '/wp-admin/admin.php?page=appointease-bridge-settings',
      ...fields,
    });
    return fetch(`${wp.url}/wp-admin/options.php`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: adminCookie, 'content-type': 'application/x-www-form-urlencoded', referer: `${wp.url}/wp-admin/admin.php?page=appointease-bridge-settings` },
      body: form,
    });
  }

  const stored = () => wp.phpJson<{ sidecar_url: string; secret: string }>(`echo wp_json_encode( Appointease_Bridge_Config::stored() );`);

  it('warns on every admin screen while URL and secret are missing, and the shortcode stays silent for visitors', async () => {
    const dashboard = await (await fetch(`${wp.url}/wp-admin/`, { headers: { cookie: adminCookie } })).text();
    expect(dashboard).toContain('bookings cannot work because the sidecar URL is not set and the shared secret is not set.');
    const page = await (await fetch(`${wp.url}/?page_id=${wp.site.pageId}`)).text();
    expect(page).not.toContain('appointease-booking');
    expect(page).not.toContain('widget.js');
    expect(page).not.toMatch(/Warning|Notice|Fatal/);
  });

  it('saves URL and secret through options.php, and never echoes the secret back', async () => {
    const secret = `s3cret-${randomBytes(20).toString('hex')}`;
    const response = await save({ 'appointease_bridge_settings[sidecar_url]': 'https://book.example.com/path/?q=1#x', 'appointease_bridge_settings[secret]': secret });
    expect(response.status).toBe(302);
    expect(stored()).toEqual({ sidecar_url: 'https://book.example.com/path', secret });
    const html = await settingsPage();
    expect(html).not.toContain(secret);
    expect(html).toMatch(/id="appointease-secret-state">set</);
    expect(html).toContain('value="https://book.example.com/path"');

    // An empty secret field keeps the stored secret; a short one is refused with a message.
    await save({ 'appointease_bridge_settings[sidecar_url]': 'https://book.example.com', 'appointease_bridge_settings[secret]': '' });
    expect(stored()).toEqual({ sidecar_url: 'https://book.example.com', secret });
    await save({ 'appointease_bridge_settings[sidecar_url]': 'javascript:alert(1)', 'appointease_bridge_settings[secret]': 'short' });
    expect(stored()).toEqual({ sidecar_url: 'https://book.example.com', secret });
  });

  it('refuses a save with a forged nonce', async () => {
    const before = stored();
    const response = await save({ 'appointease_bridge_settings[sidecar_url]': 'https://evil.example.com' }, 'deadbeef00');
    expect(response.status).toBe(403);
    expect(stored()).toEqual(before);
  });

  it('says the sidecar is down when it cannot be reached', async () => {
    const port = await freePort(); // nothing listens there
    wp.php(`update_option( 'appointease_bridge_settings', array_merge( Appointease_Bridge_Config::stored(), array( 'sidecar_url' => 'http://127.0.0.1:${port}' ) ) );`);
    const html = await (await fetch(`${wp.url}/wp-admin/admin.php?page=appointease`, { headers: { cookie: adminCookie } })).text();
    expect(html).toContain('AppointEase sidecar is down.');
    expect(html).toContain('The sidecar cannot be reached');
  });

  it('uninstall removes the options and keeps the booking tables and rows', () => {
    const result = wp.phpJson<{ options: unknown[]; tables: number; rows: number }>(`
      global $wpdb;
      $wpdb->insert( $wpdb->prefix . 'appointments', array( 'name' => 'Ada', 'email' => 'ada@example.com', 'appointment_date' => '2030-01-01 09:00:00' ) );
      define( 'WP_UNINSTALL_PLUGIN', 'appointease-bridge/appointease-bridge.php' );
      include WP_PLUGIN_DIR . '/appointease-bridge/uninstall.php';
      wp_cache_flush();
      echo wp_json_encode( array(
        'options' => array_values( array_filter( array( get_option( 'appointease_bridge_settings' ), get_option( 'appointease_bridge_schema_hash' ) ) ) ),
        'tables'  => (int) $wpdb->get_var( "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '{$wpdb->prefix}appointease\\\\_%'" ),
        'rows'    => (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->prefix}appointments" ),
      ) );
    `);
    expect(result.options).toEqual([]);
    expect(result.tables).toBeGreaterThanOrEqual(14);
    expect(result.rows).toBe(1);
  });

  it('logged no PHP warning or notice from the plugin', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});
