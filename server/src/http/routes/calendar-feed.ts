import { Router } from 'express';
import type { AppDeps } from '../../deps';

/**
 * The staff calendar feed (CONTRACT §13): `GET /feeds/<token>.ics`, public
 * (the token is the secret), polled by Google Calendar, Outlook and Apple
 * Calendar. 404 for an unknown or rotated token; 304 when the client's ETag
 * or date is current. Not indexed, no Referer leaves with the address.
 */
export function calendarFeedRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/feeds/:file', async (req, res) => {
    const m = /^(.+)\.ics$/.exec(req.params.file);
    const result = await deps.staffCalendars.feed(m ? m[1]! : '', {
      ifNoneMatch: req.get('If-None-Match') ?? undefined,
      ifModifiedSince: req.get('If-Modified-Since') ?? undefined,
    });
    res.set({ ...result.headers, 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex, nofollow' });
    if (result.status === 304) return void res.status(304).end();
    res.status(200).type('text/calendar; charset=utf-8').send(result.body);
  });
  return r;
}
