import { readFile } from 'node:fs/promises';
import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';

export const WIDGET_FILE = new URL('../../../../widget/dist/appointease-booking.js', import.meta.url);

/**
 * Serves the built widget. With the version query (`?v=0.1.0`, what the
 * bridge and /demo emit) it may be cached for a year; without it, briefly.
 */
export function widgetRoutes(deps: AppDeps): Router {
  const r = Router();
  let body: Buffer | undefined;
  r.get('/widget.js', async (req, res, next) => {
    try {
      body ??= await readFile(WIDGET_FILE);
    } catch {
      deps.logger.error('widget/dist/appointease-booking.js is missing: run `npm run build:widget`');
      return next(new AppError(503, 'unavailable', 'The widget has not been built'));
    }
    const versioned = typeof req.query.v === 'string' && req.query.v.length > 0;
    res.set('Content-Type', 'text/javascript; charset=utf-8');
    res.set('Cache-Control', versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    res.send(body);
  });
  return r;
}
