// The sidecar's business settings (GET|PUT /admin/settings), shown under the bridge's own
// connection settings on the Settings page.
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api';
import type { BusinessSettings } from '../types';
import { FormButtons } from '../components/form-buttons';
import { Notice, useAction, useLoad } from '../ui';
import { __ } from '../i18n';

const RULES = ['timezone', 'slotInterval', 'minNoticeMinutes', 'maxAdvanceDays', 'maxBookingsPerCustomer'] as const;

export function BusinessSettingsPage({ api }: { api: Api }) {
  const loaded = useLoad(() => api.get<BusinessSettings>('/admin/settings'));
  const [draft, setDraft] = useState<BusinessSettings | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => setDraft(loaded.data), [loaded.data]);

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
        const patch = Object.fromEntries(changed.map((key) => [key, draft[key]]));
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
      <FormButtons label={__('Save booking rules', 'appointease-bridge')} busy={action.busy} />
    </form>
  );
}
