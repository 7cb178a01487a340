// Live locks: every held slot, who holds it, how long it has left, and a forced release.
// The list comes from GET /admin/locks; the admin WebSocket feed says when it changed.
// Events are hints and the REST answer is the truth (CONTRACT §8), so every event
// triggers a refetch rather than being patched into the table.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../api';
import { FeedStatus } from '../components/feed-status';
import { ListTable, RowActions } from '../components/list-table';
import { ViewTabs } from '../components/view-tabs';
import { useAdminFeed } from '../feed';
import { __, _n, sprintf } from '../i18n';
import type { Lock } from '../types';
import { Notice, useAction, useCatalogue } from '../ui';

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
  const [, setTick] = useState(0);
  const [flash, setFlash] = useState<string | null>(null);
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
  // Every event, and every (re)connection, reloads the list.
  const feed = useAdminFeed(api, { onEvent: () => void refresh.current(), onLive: () => void refresh.current() });

  useEffect(() => {
    void refresh.current();
    const poll = setInterval(() => void refresh.current(), POLL_MS);
    const tick = setInterval(() => setTick((n) => n + 1), 1000);
    return () => {
      clearInterval(poll);
      clearInterval(tick);
    };
  }, []);

  const forceRelease = async (lock: Lock) => {
    const label = `${lock.date} ${lock.time} (${staffName(lock.employeeId)})`;
    if (!window.confirm(sprintf(__('Force release the lock on %s? The customer holding it will lose the slot.', 'appointease-bridge'), label))) return;
    const ok = await release.run(() => api.delete('/admin/locks', { date: lock.date, time: lock.time, employeeId: lock.employeeId }));
    if (ok) {
      setFlash(sprintf(__('Released %s.', 'appointease-bridge'), label));
      setLocks((current) => current?.filter((l) => l !== lock) ?? null);
      void refresh.current();
    }
  };

  const remaining = (lock: Lock) => Math.max(0, Math.round((Date.parse(lock.expiresAt) - feed.now()) / 1000));
  const visible = locks?.filter((lock) => remaining(lock) > 0) ?? null;

  return (
    <div class="appointease-live-locks">
      <ViewTabs api={api} current="locks" />
      <FeedStatus state={feed.state} />
      {(error ?? feed.error) && <Notice>{error ?? feed.error}</Notice>}
      {release.error && <Notice>{release.error}</Notice>}
      {flash && <Notice kind="success">{flash}</Notice>}
      {visible === null ? (
        <p>{__('Loading…', 'appointease-bridge')}</p>
      ) : (
        <ListTable
          class="appointease-locks-table"
          rows={visible}
          rowKey={(lock) => `${lock.date}|${lock.time}|${lock.employeeId}`}
          rowProps={(lock) => ({ 'data-lock': `${lock.date} ${lock.time} ${lock.employeeId}` })}
          empty={<p class="appointease-empty">{__('No slot is locked right now.', 'appointease-bridge')}</p>}
          columns={[
            { header: __('Date', 'appointease-bridge'), cell: (lock) => lock.date },
            { header: __('Time', 'appointease-bridge'), cell: (lock) => (endOf(lock) ? `${lock.time}–${endOf(lock)}` : lock.time) },
            { header: __('Staff', 'appointease-bridge'), cell: (lock) => staffName(lock.employeeId) },
            { header: __('Service', 'appointease-bridge'), cell: (lock) => serviceName(lock.serviceId) },
            { header: __('Held by', 'appointease-bridge'), cell: (lock) => <code>{lock.owner}</code> },
            {
              header: __('Remaining', 'appointease-bridge'),
              cell: (lock) => {
                const left = remaining(lock);
                return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
              },
              cellProps: (lock) => ({
                class: 'appointease-countdown',
                'aria-label': sprintf(_n('%d second remaining', '%d seconds remaining', remaining(lock), 'appointease-bridge'), remaining(lock)),
              }),
            },
            { header: __('Store', 'appointease-bridge'), cell: (lock) => lock.store },
          ]}
          actions={(lock) => <RowActions deleteLabel={__('Force release', 'appointease-bridge')} busy={release.busy} onDelete={() => forceRelease(lock)} />}
        />
      )}
    </div>
  );
}
