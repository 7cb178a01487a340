// Entry of the busy-calendar worker thread. A worker does not inherit the
// TypeScript loader the server runs under (tsx), so it registers tsx itself,
// then loads the real entry. A production install has no tsx (a dev
// dependency): there the thread runs the built entry, server/dist/busy-worker.js
// (scripts/build-server.mjs), which `npm ci` builds like the server itself.
let tsx;
try {
  tsx = await import('tsx/esm/api');
} catch {
  tsx = undefined;
}
if (tsx) {
  tsx.register();
  await import('./busy-worker-entry.ts');
} else {
  await import('../../dist/busy-worker.js');
}
