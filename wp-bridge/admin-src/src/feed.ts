// The admin WebSocket feed (CONTRACT §8): authenticates with the admin JWT, hears every slot
// event of every day, re-authenticates when the token is refreshed, reconnects with backoff.
// Events are hints and the REST answer is the truth, so pages refetch on them.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api';
import { errorText } from './api';
import type { SlotEvent } from './types';

export type FeedState = 'connecting' | 'live' | 'offline';

export interface AdminFeed {
  state: FeedState;
  /** Now on the sidecar's clock, from the socket's hello (countdowns use the server's clock). */
  now(): number;
  /** A failure to authenticate (the token could not be had). */
  error: string | null;
}

/**
 * `onEvent` hears every slot event; `onLive` runs each time the feed is (again)
 * authenticated, so the page catches up on what happened while it was not.
 */
export function useAdminFeed(api: Api, handlers: { onEvent(e: SlotEvent): void; onLive(): void }): AdminFeed {
  const [state, setState] = useState<FeedState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const clockOffset = useRef(0);
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    let socket: WebSocket | null = null;
    let closed = false;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;

    const connect = () => {
      setState('connecting');
      socket = new WebSocket(api.socketUrl);
      socket.onopen = async () => {
        try {
          socket?.send(JSON.stringify({ type: 'auth', token: await api.tokens.get() }));
        } catch (e) {
          setError(errorText(e));
        }
      };
      socket.onmessage = (message) => {
        let data: { type?: string; serverTime?: number } & Omit<Partial<SlotEvent>, 'type'>;
        try {
          data = JSON.parse(String(message.data));
        } catch {
          return;
        }
        if (data.type === 'hello' && typeof data.serverTime === 'number') clockOffset.current = data.serverTime - Date.now();
        if (data.type === 'authenticated') {
          attempt = 0;
          setState('live');
          setError(null);
          latest.current.onLive();
        }
        if (data.type?.startsWith('slot_')) latest.current.onEvent(data as SlotEvent);
      };
      socket.onclose = () => {
        setState('offline');
        if (closed) return;
        attempt += 1;
        retry = setTimeout(connect, Math.min(30_000, 500 * 2 ** attempt));
      };
    };
    connect();
    // A fresh token re-authenticates the open socket before the old one expires.
    const unsubscribe = api.tokens.onRefresh((token) => {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'auth', token }));
    });
    return () => {
      closed = true;
      clearTimeout(retry);
      unsubscribe();
      socket?.close();
    };
  }, [api]);

  return { state, now: () => Date.now() + clockOffset.current, error };
}
