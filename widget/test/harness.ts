// What the component tests share: the element defined once, a fresh in-memory sidecar and
// socket per test, and mounting <appointease-booking> with attributes.
import { afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { defineElement } from '../src/element';
import { FakeSocket, fakeSidecar } from './fake-sidecar';

export type FakeSidecar = ReturnType<typeof fakeSidecar>;

let mounted: HTMLElement | null = null;

/** Registers the per-test set-up and clean-up; call once at the top of a test file. */
export function useWidgetTests(): void {
  beforeAll(() => defineElement(null));
  beforeEach(() => {
    FakeSocket.all = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    sessionStorage.clear();
  });
  afterEach(() => {
    mounted?.remove();
    mounted = null;
    vi.unstubAllGlobals();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
}

/** A widget on the page, talking to a new in-memory sidecar. */
export function mountWidget(attrs: Record<string, string>, opts: Parameters<typeof fakeSidecar>[0] = {}): { sidecar: FakeSidecar; host: HTMLElement } {
  const sidecar = fakeSidecar(opts);
  vi.stubGlobal('fetch', sidecar.fetch);
  const host = document.createElement('appointease-booking');
  for (const [k, v] of Object.entries({ api: 'http://sidecar.test', ...attrs })) host.setAttribute(k, v);
  document.body.append(host);
  mounted = host;
  return { sidecar, host };
}

/** Waits until `fn` gives something truthy; a failure names what the widget showed, to see where the flow stopped. */
export const untilShown = <T,>(root: () => ShadowRoot, fn: () => T) =>
  vi.waitFor(() => {
    const v = fn();
    if (!v) throw new Error(`not yet; widget shows: ${root()?.textContent?.slice(0, 400)}`);
    return v;
  }, { timeout: 2000, interval: 5 });
