import { Router, type Response } from 'express';
import type { AppDeps } from '../../deps';
import { escapeHtml } from '../../mail/layout';
import { MANAGE_PATH, verifyManageSignature } from '../../mail/manage-link';
import { fillString, mailStrings } from '../../mail/strings';
import { API_BASE } from '../base';

/**
 * The page behind the "Manage booking" link of every mail: the site's name
 * and the widget in its manage view, the booking's address filled in. The
 * customer still signs in with a one-time code; the link only saves typing.
 *
 * - valid signature, booking found → 200, the address prefilled;
 * - forged or altered link → 403, nothing looked up, nothing prefilled;
 * - genuine link to a booking that no longer exists → 404, nothing prefilled;
 * - no parameters at all → 200, the plain manage view.
 * Every answer is the usable page, so a customer with a broken link can
 * still type the address. The URL carries a signature: no caching, no
 * Referer, not indexed, not framed.
 */
export function managePageRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get(MANAGE_PATH, async (req, res, next) => {
    try {
      const ref = typeof req.query.ref === 'string' ? req.query.ref : undefined;
      const sig = typeof req.query.sig === 'string' ? req.query.sig : undefined;
      const site = await deps.mailer.compose.site();
      let status = 200;
      let email: string | null = null;
      if (ref !== undefined || sig !== undefined) {
        if (ref === undefined || sig === undefined || !verifyManageSignature(deps.config.secret, ref, sig)) {
          status = 403;
        } else {
          const row = await deps.repos.appointments.adminFind(ref);
          if (row?.email) email = String(row.email);
          else status = 404;
        }
      }
      sendPage(res, status, { site: site.name, language: site.language, email, version: deps.config.version });
    } catch (err) {
      next(err);
    }
  });
  return r;
}

function sendPage(
  res: Response,
  status: number,
  p: { site: string; language: { lang: Parameters<typeof mailStrings>[0]; tag: string; dir: 'ltr' | 'rtl' }; email: string | null; version: string },
): void {
  const t = mailStrings(p.language.lang).page;
  const title = fillString(t.title, { site: p.site });
  const align = p.language.dir === 'rtl' ? 'right' : 'left';
  res.status(status);
  res.set({
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Robots-Tag': 'noindex, nofollow',
    // The widget: its script and translations from here, its API and WebSocket on this origin, its styles inline in the shadow root.
    'Content-Security-Policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
  const attrs = [`locale="${escapeHtml(p.language.tag)}"`, 'view="manage"', ...(p.email ? [`email="${escapeHtml(p.email)}"`] : [])].join(' ');
  res.send(`<!doctype html>
<html lang="${escapeHtml(p.language.tag)}" dir="${p.language.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;background:#f3f4f6;color:#111827;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Tahoma,Helvetica,Arial,sans-serif;line-height:1.5}
header,main{max-width:40rem;margin:0 auto;padding:1rem 1.25rem;text-align:${align}}
header{font-weight:700;font-size:1.25rem;padding-top:1.5rem}
main{background:#fff;border:1px solid #e5e7eb;border-radius:10px;margin-bottom:2rem}
h1{font-size:1.375rem;margin:.25rem 0 1rem}
.note{background:#fef3c7;border:1px solid #f59e0b;border-radius:6px;padding:.75rem 1rem}
</style>
<script src="${API_BASE}/widget.js?v=${encodeURIComponent(p.version)}" defer></script>
</head>
<body>
<header>${escapeHtml(p.site)}</header>
<main>
<h1>${escapeHtml(t.heading)}</h1>
${status === 200 ? '' : `<p class="note" role="alert">${escapeHtml(t.invalidLink)}</p>\n`}<appointease-booking ${attrs}></appointease-booking>
<noscript><p>${escapeHtml(t.noScript)}</p></noscript>
</main>
</body>
</html>
`);
}
