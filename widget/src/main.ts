import { defineElement } from './element';

// The bundle is an IIFE with no exports: nothing is added to the host page's globals.
// The script's own origin is the default API base when the page leaves `api` out, and
// its translation files sit beside it (`…/widget.js` → `…/widget/i18n/…`), so a page on
// another origin (a WordPress site) loads them from the sidecar too.
try {
  const src = (document.currentScript as HTMLScriptElement | null)?.src;
  defineElement(src ? new URL(src).origin : null, { translationBase: src ? new URL('widget/', src).href : null });
} catch (err) {
  console.warn('[appointease-booking] could not start:', err);
}
