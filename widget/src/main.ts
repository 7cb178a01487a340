import { defineElement } from './element';

// The bundle is an IIFE with no exports: nothing is added to the host page's globals.
// The script's own origin is the default API base when the page leaves `api` out.
try {
  const src = (document.currentScript as HTMLScriptElement | null)?.src;
  defineElement(src ? new URL(src).origin : null);
} catch (err) {
  console.warn('[appointease-booking] could not start:', err);
}
