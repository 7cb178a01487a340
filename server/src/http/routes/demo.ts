import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { API_BASE } from '../base';

/** `/demo`: a plain host page embedding the widget, only under `npm run demo`. */
export function demoRoutes(deps: AppDeps): Router {
  const r = Router();
  if (!deps.demo) return r;
  r.get('/demo', (req, res) => {
    const api = `${req.protocol}://${req.get('host')}`;
    const v = encodeURIComponent(deps.config.version);
    res.set('Content-Type', 'text/html; charset=utf-8');
    res.send(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>AppointEase demo</title>
  <style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}</style>
  <script src="${API_BASE}/widget.js?v=${v}" defer></script>
</head>
<body>
  <h1>Book an appointment</h1>
  <p>This page is a plain host page: the booking widget below is the same element a WordPress page gets from the <code>[appointease]</code> shortcode.</p>
  <appointease-booking api="${escapeAttr(api)}" locale="en"></appointease-booking>
</body>
</html>`);
  });
  return r;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
