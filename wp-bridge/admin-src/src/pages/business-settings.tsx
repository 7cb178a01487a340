// The sidecar's business settings (GET|PUT /admin/settings), shown under the bridge's own
// connection settings on the Settings page, with the reminder mails (CONTRACT §12).
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api';
import type { BusinessSettings, Reminder } from '../types';
import { FormButtons } from '../components/form-buttons';
import { Notice, useAction, useLoad } from '../ui';
import { __, sprintf } from '../i18n';

const RULES = ['timezone', 'slotInterval', 'minNoticeMinutes', 'maxAdvanceDays', 'maxBookingsPerCustomer'] as const;

/** CONTRACT §12: at most 5 reminders, each 1 minute to 7 days before the start. */
export const MAX_REMINDERS = 5;
export const MAX_REMINDER_MINUTES = 10_080;
const UNITS = { minutes: 1, hours: 60, days: 1440 } as const;
type Unit = keyof typeof UNITS;
/** A reminder as the form edits it: an amount and a unit, 1440 minutes shown as 1 day. */
export interface ReminderDraft {
  amount: string;
  unit: Unit;
}

export function toReminderDrafts(reminders: Reminder[]): ReminderDraft[] {
  return reminders.map(({ minutesBefore: m }) => (m % 1440 === 0 ? { amount: String(m / 1440), unit: 'days' } : m % 60 === 0 ? { amount: String(m / 60), unit: 'hours' } : { amount: String(m), unit: 'minutes' }));
}

/** The `reminders` value to send, or what to fix first. */
export function remindersBody(drafts: ReminderDraft[]): Reminder[] | { problem: string } {
  if (drafts.length > MAX_REMINDERS) return { problem: sprintf(__('At most %d reminders.', 'appointease-bridge'), MAX_REMINDERS) };
  const out: Reminder[] = [];
  for (const d of drafts) {
    const amount = Number(d.amount);
    const minutes = amount * UNITS[d.unit];
    if (d.amount.trim() === '' || !Number.isInteger(minutes) || minutes < 1 || minutes > MAX_REMINDER_MINUTES) {
      return { problem: __('Each reminder is a whole number of minutes from 1 minute to 7 days before the appointment.', 'appointease-bridge') };
    }
    if (out.some((r) => r.minutesBefore === minutes)) return { problem: __('Two reminders are set for the same time.', 'appointease-bridge') };
    out.push({ minutesBefore: minutes });
  }
  return out;
}

const sameReminders = (a: Reminder[] | undefined, b: Reminder[] | undefined) => JSON.stringify(a?.map((r) => r.minutesBefore)) === JSON.stringify(b?.map((r) => r.minutesBefore));

export function BusinessSettingsPage({ api }: { api: Api }) {
  const loaded = useLoad(() => api.get<BusinessSettings>('/admin/settings'));
  const [draft, setDraft] = useState<BusinessSettings | null>(null);
  const [reminders, setReminders] = useState<ReminderDraft[] | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    setDraft(loaded.data);
    // A sidecar that predates reminders does not list them: the section is not shown.
    setReminders(loaded.data?.reminders ? toReminderDrafts(loaded.data.reminders) : null);
  }, [loaded.data]);

  if (loaded.error) return <Notice>{loaded.error}</Notice>;
  if (!draft) return <p>{__('Loading…', 'appointease-bridge')}</p>;

  const number = (key: 'slotInterval' | 'minNoticeMinutes' | 'maxAdvanceDays' | 'maxBookingsPerCustomer', label: string, min: number, description?: string) => (
    <tr>
      <th scope="row">
        <label for={`appointease-${key}`}>{label}</label>
      </th>
      <td>
        <input id={`appointease-${key}`} type="number" min={min} class="small-text" required value={draft[key]} onInput={(e) => setDraft({ ...draft, [key]: Number(e.currentTarget.value) })} />
        {description && <p class="description">{description}</p>}
      </td>
    </tr>
  );

  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        // Only what was changed: sending the shown values back would pin each as an override
        // (the time zone would stop following WordPress's).
        const changed = RULES.filter((key) => draft[key] !== loaded.data?.[key]);
        const patch: Record<string, unknown> = Object.fromEntries(changed.map((key) => [key, draft[key]]));
        if (reminders) {
          const body = remindersBody(reminders);
          if ('problem' in body) {
            action.setError(body.problem);
            return;
          }
          if (!sameReminders(body, loaded.data?.reminders)) patch.reminders = body;
        }
        if (await action.run(async () => loaded.setData(await api.put<BusinessSettings>('/admin/settings', patch)))) setSaved(true);
      }}
    >
      <h2>{__('Booking rules (stored by the sidecar)', 'appointease-bridge')}</h2>
      {action.error && <Notice>{action.error}</Notice>}
      {saved && <Notice kind="success">{__('Booking rules saved.', 'appointease-bridge')}</Notice>}
      <table class="form-table" role="presentation">
        <tbody>
          <tr>
            <th scope="row">
              <label for="appointease-timezone">{__('Time zone', 'appointease-bridge')}</label>
            </th>
            <td>
              <input id="appointease-timezone" class="regular-text" required value={draft.timezone} onInput={(e) => setDraft({ ...draft, timezone: e.currentTarget.value })} />
              <p class="description">{__('An IANA zone such as Europe/Berlin; by default WordPress’s own.', 'appointease-bridge')}</p>
            </td>
          </tr>
          {number('slotInterval', __('Slot interval (minutes)', 'appointease-bridge'), 5)}
          {number('minNoticeMinutes', __('Minimum notice (minutes)', 'appointease-bridge'), 0)}
          {number('maxAdvanceDays', __('Bookable days ahead', 'appointease-bridge'), 1)}
          {number('maxBookingsPerCustomer', __('Upcoming bookings per customer', 'appointease-bridge'), 0, __('The most upcoming appointments one email address may hold; 0 = no limit.', 'appointease-bridge'))}
        </tbody>
      </table>
      {reminders && <RemindersField reminders={reminders} onChange={setReminders} />}
      <FormButtons label={__('Save booking rules', 'appointease-bridge')} busy={action.busy} />
    </form>
  );
}

/** The reminder offsets: one line per reminder mail, added and removed in place. */
function RemindersField({ reminders, onChange }: { reminders: ReminderDraft[]; onChange(next: ReminderDraft[]): void }) {
  const set = (i: number, patch: Partial<ReminderDraft>) => onChange(reminders.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset class="appointease-reminders">
      <legend>
        <h2>{__('Reminder mails', 'appointease-bridge')}</h2>
      </legend>
      <p class="description">{__('Each appointment gets one reminder mail per line, this long before it starts, with its reference, time and manage link. No lines: no reminders.', 'appointease-bridge')}</p>
      {reminders.length === 0 && <p class="appointease-reminders-none">{__('No reminder mails are sent.', 'appointease-bridge')}</p>}
      <ul>
        {reminders.map((r, i) => (
          <li key={i} class="appointease-reminder">
            <label>
              <span class="screen-reader-text">{sprintf(__('Reminder %d: how long before', 'appointease-bridge'), i + 1)}</span>
              <input type="number" class="small-text" min={1} step={1} required value={r.amount} onInput={(e) => set(i, { amount: e.currentTarget.value })} />
            </label>{' '}
            <label>
              <span class="screen-reader-text">{sprintf(__('Reminder %d: unit', 'appointease-bridge'), i + 1)}</span>
              <select value={r.unit} onChange={(e) => set(i, { unit: e.currentTarget.value as Unit })}>
                <option value="minutes">{__('minutes before', 'appointease-bridge')}</option>
                <option value="hours">{__('hours before', 'appointease-bridge')}</option>
                <option value="days">{__('days before', 'appointease-bridge')}</option>
              </select>
            </label>{' '}
            <button type="button" class="button button-link-delete" onClick={() => onChange(reminders.filter((_, j) => j !== i))}>
              {__('Remove', 'appointease-bridge')}
            </button>
          </li>
        ))}
      </ul>
      <p>
        <button type="button" class="button" disabled={reminders.length >= MAX_REMINDERS} onClick={() => onChange([...reminders, { amount: '1', unit: 'hours' }])}>
          {__('Add a reminder', 'appointease-bridge')}
        </button>
        {reminders.length >= MAX_REMINDERS && <span class="description"> {sprintf(__('At most %d reminders.', 'appointease-bridge'), MAX_REMINDERS)}</span>}
      </p>
    </fieldset>
  );
}
