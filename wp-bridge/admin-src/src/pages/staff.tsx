// Staff: who works when and performs what (CONTRACT §7 /admin/staff).
import type { Api } from '../api';
import { ListTable, RowActions } from '../components/list-table';
import { AddButton, EditCard, useRecordEditor } from '../components/record-editor';
import { TextField } from '../components/text-field';
import { WEEK_AS_SHOWN, type Service, type Staff, type Weekday, type WorkingHours } from '../types';
import { dateFormatter, Notices, useLoad } from '../ui';
import { BusyCalendarStatus, CalendarFeedField, SyncNowButton } from '../components/staff-calendars';
import { __, sprintf } from '../i18n';

const dayNames = (): Record<Weekday, string> => ({
  mon: __('Monday', 'appointease-bridge'),
  tue: __('Tuesday', 'appointease-bridge'),
  wed: __('Wednesday', 'appointease-bridge'),
  thu: __('Thursday', 'appointease-bridge'),
  fri: __('Friday', 'appointease-bridge'),
  sat: __('Saturday', 'appointease-bridge'),
  sun: __('Sunday', 'appointease-bridge'),
});

/** "09:00-12:00, 13:00-17:00" ⇄ [{start,end},…]; one text field per day is quicker to edit than rows of pickers. */
export function formatRanges(ranges: Array<{ start: string; end: string }> | undefined): string {
  return (ranges ?? []).map((r) => `${r.start}-${r.end}`).join(', ');
}

export function parseRanges(text: string): Array<{ start: string; end: string }> | string {
  const ranges: Array<{ start: string; end: string }> = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = part.match(/^([01]\d|2[0-3]):([0-5]\d)\s*[-–]\s*([01]\d|2[0-4]):([0-5]\d)$/);
    if (!m) return sprintf(__('“%s” is not a range like 09:00-17:00', 'appointease-bridge'), part);
    const start = `${m[1]}:${m[2]}`;
    const end = `${m[3]}:${m[4]}`;
    if (end <= start) return sprintf(__('“%s” ends before it starts', 'appointease-bridge'), part);
    ranges.push({ start, end });
  }
  ranges.sort((a, b) => a.start.localeCompare(b.start));
  for (let i = 1; i < ranges.length; i++) if (ranges[i].start < ranges[i - 1].end) return __('Ranges overlap', 'appointease-bridge');
  return ranges;
}

type Draft = { name: string; email: string; phone: string; serviceIds: number[]; hours: Record<Weekday, string>; busyCalendars: string[] };

/** At most this many busy calendars per person (CONTRACT §13). */
const MAX_BUSY_CALENDARS = 3;
const calendarSlots = (urls: string[] = []) => Array.from({ length: MAX_BUSY_CALENDARS }, (_, i) => urls[i] ?? '');

const emptyHours = (): Record<Weekday, string> => ({ mon: '09:00-17:00', tue: '09:00-17:00', wed: '09:00-17:00', thu: '09:00-17:00', fri: '09:00-17:00', sat: '', sun: '' });
const blank = (): Draft => ({ name: '', email: '', phone: '', serviceIds: [], hours: emptyHours(), busyCalendars: calendarSlots() });

const toDraft = (s: Staff): Draft => ({
  name: s.name,
  email: s.email ?? '',
  phone: s.phone ?? '',
  serviceIds: [...(s.serviceIds ?? [])],
  hours: Object.fromEntries(WEEK_AS_SHOWN.map((d) => [d, formatRanges(s.workingHours?.[d])])) as Record<Weekday, string>,
  busyCalendars: calendarSlots(s.busyCalendars),
});

function toBody(draft: Draft) {
  const workingHours: WorkingHours = {};
  for (const day of WEEK_AS_SHOWN) {
    const parsed = parseRanges(draft.hours[day]);
    if (typeof parsed === 'string') return { problem: `${dayNames()[day]}: ${parsed}` };
    if (parsed.length) workingHours[day] = parsed; // a missing weekday is a day off
  }
  // An empty phone is sent as '' so that clearing the field clears it (a PUT leaves out-of-body fields alone).
  const busyCalendars = draft.busyCalendars.map((u) => u.trim()).filter(Boolean);
  return { name: draft.name.trim(), email: draft.email.trim(), phone: draft.phone.trim(), serviceIds: draft.serviceIds, workingHours, busyCalendars };
}

export function StaffPage({ api }: { api: Api }) {
  const list = useLoad(() => api.get<{ staff: Staff[] }>('/admin/staff').then((r) => r.staff));
  const services = useLoad(() => api.get<{ services: Service[] }>('/admin/services').then((r) => r.services));
  const editor = useRecordEditor<Staff, Draft>({ api, path: '/admin/staff', blank, toDraft, toBody, onChanged: () => void list.reload() });
  const { draft, setDraft } = editor;
  const serviceName = (id: number) => services.data?.find((s) => s.id === id)?.name ?? `#${id}`;
  const format = dateFormatter(api.config.locale);
  const text = (key: 'name' | 'email' | 'phone', label: string, type = 'text') => (
    <TextField label={label} type={type} required={key !== 'phone'} value={draft[key]} onValue={(v) => setDraft({ ...draft, [key]: v })} />
  );

  return (
    <div>
      <Notices errors={[list.error, editor.action.error]} />
      <AddButton label={__('Add staff member', 'appointease-bridge')} onClick={() => editor.open(null)} />
      {list.data?.some((m) => (m.busyCalendars ?? []).length > 0) && <SyncNowButton api={api} onProgress={() => void list.reload()} />}
      {editor.editing !== null && (
        <EditCard isNew={editor.editing === 'new'} newTitle={__('New staff member', 'appointease-bridge')} editTitle={__('Edit staff member', 'appointease-bridge')} saveLabel={__('Save staff member', 'appointease-bridge')} busy={editor.action.busy} onSubmit={editor.save} onCancel={editor.close}>
          {text('name', __('Name', 'appointease-bridge'))}
          {text('email', __('Email', 'appointease-bridge'), 'email')}
          {text('phone', __('Phone', 'appointease-bridge'))}
          <fieldset>
            <legend>{__('Services (none ticked = all services)', 'appointease-bridge')}</legend>
            {services.data?.map((s) => (
              <label key={s.id} class="appointease-check">
                <input
                  type="checkbox"
                  checked={draft.serviceIds.includes(s.id)}
                  onChange={(e) =>
                    setDraft({ ...draft, serviceIds: e.currentTarget.checked ? [...draft.serviceIds, s.id] : draft.serviceIds.filter((id) => id !== s.id) })
                  }
                />{' '}
                {s.name}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{__('Weekly hours (e.g. 09:00-12:00, 13:00-17:00; empty = day off)', 'appointease-bridge')}</legend>
            <table class="form-table" role="presentation">
              <tbody>
                {WEEK_AS_SHOWN.map((day) => (
                  <tr key={day}>
                    <th scope="row">
                      <label for={`appointease-hours-${day}`}>{dayNames()[day]}</label>
                    </th>
                    <td>
                      <input
                        id={`appointease-hours-${day}`}
                        class="regular-text code"
                        value={draft.hours[day]}
                        onInput={(e) => setDraft({ ...draft, hours: { ...draft.hours, [day]: e.currentTarget.value } })}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </fieldset>
          <fieldset>
            <legend>{__('Busy calendars', 'appointease-bridge')}</legend>
            <p class="description">
              {__('Up to three iCalendar addresses of this person’s own calendars (in Google Calendar: “Secret address in iCal format”; in Outlook: a published calendar’s ICS link). Their events are busy time: customers cannot book it.', 'appointease-bridge')}
            </p>
            {draft.busyCalendars.map((url, i) => (
              <p key={i}>
                <label>
                  {sprintf(__('Busy calendar %d', 'appointease-bridge'), i + 1)}{' '}
                  <input
                    type="url"
                    class="large-text code"
                    value={url}
                    placeholder="https://…/basic.ics"
                    onInput={(e) => setDraft({ ...draft, busyCalendars: draft.busyCalendars.map((u, j) => (j === i ? e.currentTarget.value : u)) })}
                  />
                </label>
              </p>
            ))}
          </fieldset>
          {typeof editor.editing === 'number' && <CalendarFeedField api={api} staffId={editor.editing} />}
        </EditCard>
      )}
      {list.data && (
        <ListTable
          rows={list.data}
          rowKey={(s) => s.id}
          columns={[
            {
              header: __('Name', 'appointease-bridge'),
              cell: (s) => (
                <>
                  {s.name}
                  {s.active === false && <em> {__('(inactive: kept for its appointments)', 'appointease-bridge')}</em>}
                </>
              ),
            },
            { header: __('Email', 'appointease-bridge'), cell: (s) => s.email },
            { header: __('Services', 'appointease-bridge'), cell: (s) => (s.serviceIds?.length ? s.serviceIds.map(serviceName).join(', ') : __('All', 'appointease-bridge')) },
            {
              header: __('Hours', 'appointease-bridge'),
              cell: (s) =>
                WEEK_AS_SHOWN.filter((d) => s.workingHours?.[d]?.length).map((d) => (
                  <div key={d}>
                    {d}: {formatRanges(s.workingHours[d])}
                  </div>
                )),
            },
            { header: __('Busy calendars', 'appointease-bridge'), cell: (s) => <BusyCalendarStatus calendars={s.calendarSync ?? []} format={format} /> },
          ]}
          actions={(s) => <RowActions onEdit={() => editor.open(s)} onDelete={() => editor.remove(s, sprintf(__('Remove %s from the staff?', 'appointease-bridge'), s.name))} />}
        />
      )}
    </div>
  );
}
