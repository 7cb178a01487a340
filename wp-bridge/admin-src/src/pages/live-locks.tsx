// Live locks: every held slot, who holds it, how long it has left, and a forced release.
// The list comes from GET /admin/locks; the admin WebSocket feed says when it changed.
// Events are hints and the REST answer is the truth (CONTRACT §8), so every event
// triggers a refetch rather than being patched into the table.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../api';
import type { Lock, SlotEvent } from '../types';
import { Notice, useAction, useCatalogue } from '../ui';

type FeedState = 'connecting' | 'live' | 'offline';

/** Refetch anyway this often, in case an event was missed while the socket was down. */
const POLL_MS = 15_000;

export function LiveLocksPage({ api }: { api: Api }) {
  const { serviceName, staffName } = useCatalogue(api);
  const [locks, setLocks] = useState<Lock[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [feed, setFeed] = useState<FeedState>('connecting');
  const [now, setNow] = useState(Date.now());
  const [flash, setFlash] = useState<string | null>(null);
  const clockOffset = useRef(0); // server time − browser time, from the socket's hello
  const release = useAction();

  const refresh = useRef<() => Promise<void>>(async () => undefined);
  refresh.current = async () => {
    try {
      const body = await api.get<{ locks: Lock[] }>('/admin/locks');
      body.locks.sort((a, b) => (a.date + a.time).localeCompare(b.date + b.time) || a.employeeId - b.employeeId);
      setLocks(body.locks);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };

  useEffect(() => {
    void refresh.current();
    const poll = setInterval(() => void refresh.current(), POLL_MS);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(poll);
      clearInterval(tick);
    };
  }, []);

  // The admin feed, reconnecting with backoff.
  useEffect(() => {
    let socket: WebSocket | null = null;
    let closed = false;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;

    const connect = () => {
      setFeed('connecting');
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
          setFeed('live');
          void refresh.current(); // catch up on what happened while not subscribed
        }
        if (data.type?.startsWith('slot_')) void refresh.current();
      };
      socket.onclose = () => {
        setFeed('offline');
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

  const forceRelease = async (lock: Lock) => {
    const label = `${lock.date} ${lock.time} (${staffName(lock.employeeId)})`;
    if (!window.confirm(`Force release the lock on ${label}? The customer holding it will lose the slot.`)) return;
    const ok = await release.run(() => api.delete('/admin/locks', { date: lock.date, time: lock.time, employeeId: lock.employeeId }));
    if (ok) {
      setFlash(`Released ${label}.`);
      setLocks((current) => current?.filter((l) => l !== lock) ?? null);
      void refresh.current();
    }
  };

  const remaining = (lock: Lock) => Math.max(0, Math.round((Date.parse(lock.expiresAt) - (now + clockOffset.current)) / 1000));
  const visible = locks?.filter((lock) => remaining(lock) > 0) ?? null;

  return (
    <div class="appointease-live-locks">
      <p class="appointease-feed" data-state={feed}>
        <span class={`appointease-dot appointease-dot--${feed}`} aria-hidden="true" />{' '}
        {feed === 'live' ? 'Live: updates arrive as they happen.' : feed === 'connecting' ? 'Connecting to the live feed…' : 'Live feed offline; refreshing every 15 seconds.'}
      </p>
      {error && <Notice>{error}</Notice>}
      {release.error && <Notice>{release.error}</Notice>}
      {flash && <Notice kind="success">{flash}</Notice>}
      {visible === null ? (
        <p>Loading…</p>
      ) : visible.length === 0 ? (
        <p class="appointease-empty">No slot is locked right now.</p>
      ) : (
        <table class="wp-list-table widefat fixed striped appointease-locks-table">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Time</th>
              <th scope="col">Staff</th>
              <th scope="col">Service</th>
              <th scope="col">Held by</th>
              <th scope="col">Remaining</th>
              <th scope="col">Store</th>
              <th scope="col">
                <span class="screen-reader-text">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {visible.map((lock) => {
              const left = remaining(lock);
              return (
                <tr key={`${lock.date}|${lock.time}|${lock.employeeId}`} data-lock={`${lock.date} ${lock.time} ${lock.employeeId}`}>
                  <td>{lock.date}</td>
                  <td>{lock.times?.length > 1 ? `${lock.time}–${lock.times[lock.times.length - 1]}` : lock.time}</td>
                  <td>{staffName(lock.employeeId)}</td>
                  <td>{serviceName(lock.serviceId)}</td>
                  <td>
                    <code>{lock.owner}</code>
                  </td>
                  <td class="appointease-countdown" aria-label={`${left} seconds remaining`}>
                    {Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')}
                  </td>
                  <td>{lock.store}</td>
                  <td>
                    <button type="button" class="button button-link-delete" disabled={release.busy} onClick={() => forceRelease(lock)}>
                      Force release
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
