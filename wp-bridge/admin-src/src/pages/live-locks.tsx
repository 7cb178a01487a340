// Live locks: every held slot, who holds it, how long it has left, and a forced release.
// The list comes from GET /admin/locks; the admin WebSocket feed says when it changed.
// Events are hints and the REST answer is the truth (CONTRACT §8), so every event
// triggers a refetch rather than being patched into the table.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../api';
import type { Lock, SlotEvent } from '../types';
import { ListTable, RowActions } from '../components/list-table';
import { Notice, useAction, useCatalogue } from '../ui';

type FeedState = 'connecting' | 'live' | 'offline';

/** Refetch anyway this often, in case an event was missed while the socket was down. */
const POLL_MS = 15_000;

export function LiveLocksPage({ api }: { api: Api }) {
  const { services, serviceName, staffName } = useCatalogue(api);
  // The service's own end (a 45-minute hold at 10:00 ends 10:45, though its grid cells are
  // 10:00 and 10:30): from the sidecar's list, or from the service's duration for holds
  // that arrived over the live feed.
  const endOf = (lock: Lock): string | null => {
    if (lock.endTime) return lock.endTime;
    const duration = services.data?.find((s) => s.id === lock.serviceId)?.duration;
    if (duration === undefined) return null;
    const [h, m] = lock.time.split(':').map(Number);
    const end = (h! * 60 + m! + duration) % 1440;
    return `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`;
  };
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
      ) : (
        <ListTable
          class="appointease-locks-table"
          rows={visible}
          rowKey={(lock) => `${lock.date}|${lock.time}|${lock.employeeId}`}
          rowProps={(lock) => ({ 'data-lock': `${lock.date} ${lock.time} ${lock.employeeId}` })}
          empty={<p class="appointease-empty">No slot is locked right now.</p>}
          columns={[
            { header: 'Date', cell: (lock) => lock.date },
            { header: 'Time', cell: (lock) => (endOf(lock) ? `${lock.time}–${endOf(lock)}` : lock.time) },
            { header: 'Staff', cell: (lock) => staffName(lock.employeeId) },
            { header: 'Service', cell: (lock) => serviceName(lock.serviceId) },
            { header: 'Held by', cell: (lock) => <code>{lock.owner}</code> },
            {
              header: 'Remaining',
              cell: (lock) => {
                const left = remaining(lock);
                return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
              },
              cellProps: (lock) => ({ class: 'appointease-countdown', 'aria-label': `${remaining(lock)} seconds remaining` }),
            },
            { header: 'Store', cell: (lock) => lock.store },
          ]}
          actions={(lock) => <RowActions deleteLabel="Force release" busy={release.busy} onDelete={() => forceRelease(lock)} />}
        />
      )}
    </div>
  );
}
