// The widget's files as the sidecar serves them (CONTRACT §9): the script, and beside it one
// translation file per language, fetched by the widget from pages on other origins.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWidget } from '../e2e/widget-helpers';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

const I18N_DIR = join(fileURLToPath(new URL('../../widget/dist/i18n', import.meta.url)));
const SITE = 'https://shop.example.com';

describe('widget files', () => {
  let sidecar: TestSidecar;
  let files: string[];
  let script: string;

  beforeAll(async () => {
    await buildWidget();
    sidecar = await startSidecar({ env: { ALLOWED_ORIGINS: SITE } });
    script = await (await sidecar.api('/widget.js?v=1')).text();
    // The files this build's script names (older builds may have left others in the folder).
    files = readdirSync(I18N_DIR).filter((f) => script.includes(`i18n/${f}`));
  }, 120_000);
  afterAll(() => sidecar?.stop());

  it('the script names one translation file per language but English, each present', () => {
    expect(files.map((f) => f.split('.')[0]).sort()).toEqual(['ar', 'de', 'es', 'fr', 'it', 'nl', 'pt-BR']);
  });

  it('serves each translation as JSON, cached for a year, to a page on an allowed origin', async () => {
    for (const f of files) {
      const res = await sidecar.api(`/widget/i18n/${f}`, { headers: { Origin: SITE } });
      expect(res.status, f).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('access-control-allow-origin')).toBe(SITE);
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      const body = await res.text();
      expect(body).toMatch(/^[\x00-\x7f]*$/);
      expect(typeof JSON.parse(body).title).toBe('string');
    }
  });

  it('answers any other name with a 404 in the contract shape, never another file', async () => {
    for (const path of ['/widget/i18n/fr.0000000000.json', '/widget/i18n/..%2F..%2Fpackage.json', '/widget/i18n/fr.json', '/widget/i18n/%2e%2e', '/widget/appointease-booking.js']) {
      const res = await sidecar.api(path);
      expect(res.status, path).toBe(404);
      expect((await res.json()).error.code).toBe('not_found');
    }
  });

  it('a page on an origin that is not allowed gets nothing (like the API)', async () => {
    const res = await sidecar.api(`/widget/i18n/${files[0]}`, { headers: { Origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
  });
});
