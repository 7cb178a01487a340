import { readFile } from 'node:fs/promises';
import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { fail, notFound } from '../../errors';

export const WIDGET_DIST = new URL('../../../../widget/dist/', import.meta.url);
export const WIDGET_FILE = new URL('appointease-booking.js', WIDGET_DIST);

const YEAR = 'public, max-age=31536000, immutable';
/** `fr.3f1c9a0b2e.json`: a language and the hash of the file's content (widget/i18n-files.ts). */
const TRANSLATION_FILE = /^[a-z]{2}(?:-[A-Z]{2})?\.[0-9a-f]{10}\.json$/;

/**
 * Serves the built widget. With the version query (`?v=0.1.0`, what the
 * bridge and /demo emit) it may be cached for a year; without it, briefly.
 * Its translation files (one per language but English, fetched by the
 * widget from beside its own script, `widget/i18n/…`) carry their content
 * hash in the name, so they are always cached for a year.
 */
export function widgetRoutes(deps: AppDeps): Router {
  const r = Router();
  let body: Buffer | undefined;
  r.get('/widget.js', async (req, res, next) => {
    try {
      body ??= await readFile(WIDGET_FILE);
    } catch {
      deps.logger.error('widget/dist/appointease-booking.js is missing: run `npm run build:widget`');
      return next(fail('unavailable', 'The widget has not been built'));
    }
    const versioned = typeof req.query.v === 'string' && req.query.v.length > 0;
    res.set('Content-Type', 'text/javascript; charset=utf-8');
    res.set('Cache-Control', versioned ? YEAR : 'public, max-age=300');
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    res.send(body);
  });

  // Only names of the built shape are looked up, so a request can never reach another file;
  // what was read stays in memory (a handful of files of a few KB).
  const translations = new Map<string, Buffer>();
  r.get('/widget/i18n/:file', async (req, res, next) => {
    const file = String(req.params.file);
    if (!TRANSLATION_FILE.test(file)) return next(notFound('No such translation file'));
    let text = translations.get(file);
    if (!text) {
      try {
        text = await readFile(new URL(`i18n/${file}`, WIDGET_DIST));
      } catch {
        return next(notFound('No such translation file'));
      }
      translations.set(file, text);
    }
    res.set('Content-Type', 'application/json; charset=utf-8');
    res.set('Cache-Control', YEAR);
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    res.send(text);
  });
  return r;
}
