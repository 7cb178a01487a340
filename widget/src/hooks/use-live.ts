import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { socketUrl } from '../api';
import { LiveConnection, type DayKey, type LiveHandlers, type LiveStatus } from '../live';

export interface Live {
  status: LiveStatus;
  /** Which days this widget watches on its one socket. */
  watch(keys: DayKey[]): void;
  /** Hear live events; returns the unsubscribe function. */
  listen(l: Partial<LiveHandlers>): () => void;
  /** Now on the sidecar's clock, as far as its hello told (the visitor's own until then). */
  now(): number;
}

/** The widget's one socket, open while the widget is mounted, shared by whoever listens. */
export function useLive(apiBase: string): Live {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const listeners = useRef(new Set<Partial<LiveHandlers>>());
  // Server clock minus the browser's: a visitor clock that is off must not hide or show times wrongly.
  const offset = useRef(0);
  const live = useMemo(
    () =>
      new LiveConnection(socketUrl(apiBase), {
        onEvent: (e) => listeners.current.forEach((l) => l.onEvent?.(e)),
        onSubscribed: (k) => listeners.current.forEach((l) => l.onSubscribed?.(k)),
        onStatus: setStatus,
        onHello: (serverTime) => {
          offset.current = serverTime - Date.now();
        },
      }),
    [apiBase],
  );
  useEffect(() => {
    live.start();
    return () => live.stop();
  }, [live]);

  return {
    status,
    watch: (keys) => live.setSubscriptions(keys),
    listen: (l) => {
      listeners.current.add(l);
      return () => listeners.current.delete(l);
    },
    now: () => Date.now() + offset.current,
  };
}
