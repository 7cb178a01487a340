import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { build } from 'vite';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(repo, 'test', 'artifacts');

/**
 * Build the widget where the sidecar serves it from, so the test sees the current
 * source. Built beside it and renamed into place: other test files running at the
 * same time never see a missing or half-written file.
 */
export async function buildWidget(): Promise<void> {
  const dist = join(repo, 'widget', 'dist');
  const tmp = join(dist, `.build-${randomBytes(4).toString('hex')}`);
  try {
    await build({ configFile: join(repo, 'widget', 'vite.config.ts'), logLevel: 'silent', build: { outDir: tmp, emptyOutDir: true } });
    // Translations first (their names carry a content hash, so a file in place is the same file),
    // then the script that names them.
    mkdirSync(join(dist, 'i18n'), { recursive: true });
    for (const f of readdirSync(join(tmp, 'i18n'))) renameSync(join(tmp, 'i18n', f), join(dist, 'i18n', f));
    renameSync(join(tmp, 'appointease-booking.js'), join(dist, 'appointease-booking.js'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Mailbox {
  port: number;
  messages: { to: string[]; raw: string }[];
  /** Resolves with the 6-digit code of the next mail to `to` (or one already received). */
  codeFor(to: string, after?: number): Promise<string>;
  close(): Promise<void>;
}

/** Pull the one-time code out of a raw MIME message, whatever transfer encoding it used. */
export function extractCode(raw: string): string | null {
  // Quoted-printable soft line breaks joined; headers (up to the first blank line) dropped.
  const candidates = [raw.replace(/=\r?\n/g, '').split(/\r?\n\r?\n/).slice(1).join('\n')];
  for (const m of raw.matchAll(/Content-Transfer-Encoding:\s*base64\s*\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/gi)) {
    candidates.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('utf8'));
  }
  for (const text of candidates) {
    // No MIME boundary lines: their random hex can hold six digits in a row.
    const lines = text.split(/\r?\n/).filter((l) => !l.startsWith('--')).join('\n');
    const m = lines.match(/(?<![\w#-])\d{6}(?![\w-])/);
    if (m) return m[0];
  }
  return null;
}

/** A local SMTP server the sidecar delivers to (`MAIL_TRANSPORT=smtp://127.0.0.1:PORT`). */
export async function startMailbox(): Promise<Mailbox> {
  const messages: Mailbox['messages'] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), raw: Buffer.concat(chunks).toString('utf8') });
        waiters.splice(0).forEach((w) => w());
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    messages,
    async codeFor(to, after = 0) {
      for (;;) {
        const m = messages.slice(after).reverse().find((x) => x.to.includes(to.toLowerCase()));
        const code = m && extractCode(m.raw);
        if (code) return code;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Run axe-core on the widget (it scans into the open shadow root); returns readable violations. */
export async function axeViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.addScriptTag({ content: readFileSync(join(repo, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8') });
  return page.evaluate(async () => {
    const axe = (window as any).axe;
    const r = await axe.run(document.querySelector('appointease-booking'), {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return r.violations.map((v: any) => `${v.id}: ${v.help} (${v.nodes.map((n: any) => JSON.stringify(n.target)).join(', ')})`);
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The visible step heading inside the widget. */
export const stepHeading = (page: Page): Locator => page.locator('appointease-booking h2');

/** Description of the element that has focus, looking through shadow roots. */
export function focused(page: Page): Promise<{ tag: string; text: string; label: string | null }> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    const root = el?.getRootNode() as ShadowRoot | Document | undefined;
    const id = el?.id;
    const label = id && root ? root.querySelector(`label[for="${id}"]`)?.textContent ?? null : null;
    return { tag: el?.tagName.toLowerCase() ?? '', text: (el?.textContent ?? '').trim(), label };
  });
}

/** Press Tab until `match` holds for the focused element (keyboard-only navigation). */
export async function tabTo(page: Page, match: (f: { tag: string; text: string; label: string | null }) => boolean, max = 120): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (match(await focused(page))) return;
  }
  throw new Error(`Tab never reached the element; last focus: ${JSON.stringify(await focused(page))}`);
}

export interface HostSite {
  /** The site's origin, e.g. `http://127.0.0.1:41234` (goes into ALLOWED_ORIGINS). */
  origin: string;
  /** Sidecar base URL the pages embed (set once the sidecar listens). */
  sidecarUrl: string;
  close(): Promise<void>;
}

/**
 * A plain host site on its own origin, like a WordPress page embedding the widget:
 * cross-origin to the sidecar, so CORS and the WebSocket origin check are real. It is
 * a real HTTP server (not a Playwright route) because Chromium's local-network checks
 * treat a fulfilled route as a public page and block its socket to 127.0.0.1.
 */
export async function startHostSite(): Promise<HostSite> {
  const site: HostSite = { origin: '', sidecarUrl: '', close: async () => {} };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/page') {
      res.writeHead(404).end();
      return;
    }
    const attrs = [...url.searchParams].map(([k, v]) => `${k}="${v.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}"`).join(' ');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Host page</title>
<style>body{font-family:serif;margin:0;padding:8px}</style>
<script src="${site.sidecarUrl}/appointease/v1/widget.js" defer></script></head>
<body><main><h1>Host page</h1><appointease-booking api="${site.sidecarUrl}" ${attrs}></appointease-booking></main></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  site.close = () => new Promise<void>((r) => server.close(() => r()));
  return site;
}

export async function openHostPage(page: Page, site: HostSite, attrs: Record<string, string>): Promise<void> {
  await page.goto(`${site.origin}/page?${new URLSearchParams(attrs)}`);
}

export interface WidgetStack {
  sidecar: TestSidecar;
  mailbox: Mailbox;
  site: HostSite;
  browser: Browser;
  ids: { serviceIds: number[]; staffIds: number[] };
  /** A page in a fresh browser context (closed with the stack); page errors fail the test. */
  newPage(o?: { width?: number; timezoneId?: string; locale?: string; scale?: number }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * What the widget's browser tests run against: the widget built from the current source, a
 * real sidecar (MariaDB, Redis) mailing through a local SMTP server, a host page on its own
 * origin, one service (Haircut, 30 min) with one employee (Ana, 09:00–17:00 unless `hours`),
 * and Chromium.
 */
export async function startWidgetStack(o: { settings: Record<string, unknown>; hours?: [string, string] }): Promise<WidgetStack> {
  await buildWidget();
  const mailbox = await startMailbox();
  const site = await startHostSite();
  const sidecar = await startSidecar({
    // Every booking here comes from one IP: the per-IP limits are set for a test run, not a crowd.
    env: { MAIL_TRANSPORT: `smtp://127.0.0.1:${mailbox.port}`, MAX_LOCKS_PER_CLIENT: '20', OTP_IP_LIMIT: '100', ALLOWED_ORIGINS: site.origin },
  });
  site.sidecarUrl = sidecar.url;
  const ids = await seedCatalogue(sidecar.db.pool, {
    services: [{ name: 'Haircut', duration: 30 }],
    staff: [{ name: 'Ana', hours: everyDay(o.hours ?? ['09:00', '17:00']) }],
    settings: o.settings,
  });
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  return {
    sidecar, mailbox, site, browser, ids,
    async newPage(p = {}) {
      const ctx = await browser.newContext({
        viewport: { width: p.width ?? 1024, height: 800 },
        deviceScaleFactor: p.scale ?? 1,
        timezoneId: p.timezoneId ?? 'UTC',
        locale: p.locale ?? 'en-US',
      });
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.on('pageerror', (e) => {
        throw new Error(`page error: ${e.message}`);
      });
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await sidecar.stop();
      await mailbox.close();
      await site.close();
    },
  };
}

/**
 * Show `date` in the widget's month grid (the next-month button until its month is shown) and
 * choose it; resolves once its times are listed.
 */
export async function chooseDay(page: Page, date: string, locale = 'en-US'): Promise<void> {
  const monthName = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
  for (let i = 0; i < 14 && (await page.locator('appointease-booking .ae-month').textContent()) !== monthName; i++) {
    await page.locator('appointease-booking .ae-cal-head button').last().click();
  }
  await page.locator(`appointease-booking button.ae-day[data-day="${date}"]`).click();
  await page.locator(`appointease-booking td[aria-selected="true"] button[data-day="${date}"]`).waitFor();
  await page.locator('appointease-booking button.ae-slot').first().waitFor();
}
