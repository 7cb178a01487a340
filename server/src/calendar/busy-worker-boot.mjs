// Entry of the busy-calendar worker thread. A worker does not inherit the
// TypeScript loader the server runs under (tsx), so it registers tsx itself,
// then loads the real entry.
import { register } from 'tsx/esm/api';

register();
await import('./busy-worker-entry.ts');
