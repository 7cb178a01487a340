import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { socketUrl } from '../api';
import { LiveConnection, type DayKey, type LiveHandlers, type LiveStatus } from '../live';

export interface Live {
  status: LiveStatus;
  /** Which days this widget watches on its one socket. */
  watch(keys: DayKey[]): void;
  /** Hear live events; returns the unsubscribe function. */
  listen(l: Partial<LiveHandlers>): () => void;
}

/** The widget's one socket, open while the widget is mounted, shared by whoever listens. */
export function useLive(apiBase: string): Live {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const listeners = useRef(new Set<Partial<LiveHandlers>>());
  const live = useMemo(
    () =>
      new LiveConnection(socketUrl(apiBase), {
        onEvent: (e) => listeners.current.forEach((l) => l.onEvent?.(e)),
        onSubscribed: (k) => listeners.current.forEach((l) => l.onSubscribed?.(k)),
        onStatus: setStatus,
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
  };
}
