// Staff calendars on the staff page (CONTRACT §13): the employee's private feed address (shown,
// copied, replaced), the busy calendars' last sync and error, and a sync on request.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import type { CalendarSync } from '../types';
import { Notice, useAction } from '../ui';
import { __, sprintf } from '../i18n';

/** The feed address of an existing staff member: fetched on request, copyable, replaceable. */
export function CalendarFeedField({ api, staffId }: { api: Api; staffId: number }) {
  const [url, setUrl] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [rotated, setRotated] = useState(false);
  const action = useAction();
  const show = () => void action.run(async () => setUrl((await api.get<{ url: string }>(`/admin/staff/${staffId}/calendar-feed`)).url));
  const rotate = async () => {
    if (!window.confirm(__('Make a new feed address? The current one stops working at once: calendars subscribed to it stop receiving appointments.', 'appointease-bridge'))) return;
    if (await action.run(async () => setUrl((await api.post<{ url: string }>(`/admin/staff/${staffId}/calendar-feed/rotate`, {})).url))) {
      setRotated(true);
      setCopied(false);
    }
  };
  const copy = () => {
    if (!url) return;
    void navigator.clipboard
      ?.writeText(url)
      .then(() => setCopied(true))
      .catch(() => undefined);
  };
  return (
    <fieldset class="appointease-calendar-feed">
      <legend>{__('Calendar feed', 'appointease-bridge')}</legend>
      <p class="description">
        {__('A private address with this person’s appointments, to subscribe to in Google Calendar, Outlook or Apple Calendar. Anyone with the address can read it: share it only with them.', 'appointease-bridge')}
      </p>
      {action.error && <Notice>{action.error}</Notice>}
      {rotated && <Notice kind="success">{__('New feed address made; the old one no longer works.', 'appointease-bridge')}</Notice>}
      {url === null ? (
        <p>
          <button type="button" class="button" disabled={action.busy} onClick={show}>
            {__('Show feed address', 'appointease-bridge')}
          </button>
        </p>
      ) : (
        <p>
          <label>
            <span class="screen-reader-text">{__('Feed address', 'appointease-bridge')}</span>
            <input class="large-text code" readOnly value={url} aria-label={__('Feed address', 'appointease-bridge')} onFocus={(e) => e.currentTarget.select()} />
          </label>{' '}
          <button type="button" class="button" onClick={copy}>
            {copied ? __('Copied', 'appointease-bridge') : __('Copy', 'appointease-bridge')}
          </button>{' '}
          <button type="button" class="button" disabled={action.busy} onClick={() => void rotate()}>
            {__('New address', 'appointease-bridge')}
          </button>
        </p>
      )}
    </fieldset>
  );
}

/** The host of a calendar URL: the full address is a secret of the calendar's owner. */
export function calendarHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** One line per busy calendar: where it comes from, when it last synced, its last error. */
export function BusyCalendarStatus({ calendars, format }: { calendars: CalendarSync[]; format(iso: string | null): string }) {
  if (!calendars.length) return <>—</>;
  return (
    <ul class="appointease-busy-calendars">
      {calendars.map((c, i) => (
        <li key={i}>
          <code title={c.url}>{calendarHost(c.url)}</code>{' '}
          {c.lastSyncAt ? sprintf(__('synced %s', 'appointease-bridge'), format(c.lastSyncAt)) : __('not synced yet', 'appointease-bridge')}
          {c.lastError && (
            <div class="appointease-calendar-error" role="status">
              <strong>{__('Last attempt failed:', 'appointease-bridge')}</strong> {c.lastError.message} <code>{c.lastError.code}</code>{' '}
              {c.lastSyncAt ? __('(the last good copy is still used)', 'appointease-bridge') : ''}
            </div>
          )}
          {c.warning && <div class="description">{c.warning}</div>}
        </li>
      ))}
    </ul>
  );
}

/** After a sync is asked for, the list is fetched again this long after (ms): a run takes seconds. */
export const SYNC_RELOADS_MS = [2_000, 5_000, 10_000];

/**
 * Asks the sidecar to read every busy calendar again now rather than at the next period
 * (CALENDAR_SYNC_SECONDS), then refreshes the list a few times so the new sync times show.
 */
export function SyncNowButton({ api, onProgress }: { api: Api; onProgress(): void }) {
  const action = useAction();
  const [asked, setAsked] = useState(false);
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  const sync = async () => {
    if (!(await action.run(() => api.post('/admin/busy-calendars/sync', {})))) return;
    setAsked(true);
    timers.current.forEach(clearTimeout);
    timers.current = SYNC_RELOADS_MS.map((ms) => setTimeout(onProgress, ms));
  };
  return (
    <div class="appointease-sync-now">
      {action.error && <Notice>{action.error}</Notice>}
      {asked && <Notice kind="success">{__('Sync asked for: each busy calendar is read again within seconds; the times below follow.', 'appointease-bridge')}</Notice>}
      <p>
        <button type="button" class="button" disabled={action.busy} onClick={() => void sync()}>
          {__('Sync busy calendars now', 'appointease-bridge')}
        </button>
      </p>
    </div>
  );
}
