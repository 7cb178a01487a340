// Staff: who works when and performs what (CONTRACT §7 /admin/staff).
import { useState } from 'preact/hooks';
import type { Api } from '../api';
import { WEEKDAYS, type Service, type Staff, type Weekday, type WorkingHours } from '../types';
import { Notice, useAction, useLoad } from '../ui';

const DAY_NAMES: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

/** "09:00-12:00, 13:00-17:00" ⇄ [{start,end},…]; one text field per day is quicker to edit than rows of pickers. */
export function formatRanges(ranges: Array<{ start: string; end: string }> | undefined): string {
  return (ranges ?? []).map((r) => `${r.start}-${r.end}`).join(', ');
}

export function parseRanges(text: string): Array<{ start: string; end: string }> | string {
  const ranges: Array<{ start: string; end: string }> = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = part.match(/^([01]\d|2[0-3]):([0-5]\d)\s*[-–]\s*([01]\d|2[0-4]):([0-5]\d)$/);
    if (!m) return `“${part}” is not a range like 09:00-17:00`;
    const start = `${m[1]}:${m[2]}`;
    const end = `${m[3]}:${m[4]}`;
    if (end <= start) return `“${part}” ends before it starts`;
    ranges.push({ start, end });
  }
  ranges.sort((a, b) => a.start.localeCompare(b.start));
  for (let i = 1; i < ranges.length; i++) if (ranges[i].start < ranges[i - 1].end) return 'Ranges overlap';
  return ranges;
}

type Draft = { name: string; email: string; phone: string; serviceIds: number[]; hours: Record<Weekday, string> };

const emptyHours = (): Record<Weekday, string> => ({ mon: '09:00-17:00', tue: '09:00-17:00', wed: '09:00-17:00', thu: '09:00-17:00', fri: '09:00-17:00', sat: '', sun: '' });

export function StaffPage({ api }: { api: Api }) {
  const list = useLoad(() => api.get<{ staff: Staff[] }>('/admin/staff').then((r) => r.staff));
  const services = useLoad(() => api.get<{ services: Service[] }>('/admin/services').then((r) => r.services));
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  const [draft, setDraft] = useState<Draft>({ name: '', email: '', phone: '', serviceIds: [], hours: emptyHours() });
  const action = useAction();

  const open = (s: Staff | null) => {
    setDraft(
      s
        ? {
            name: s.name,
            email: s.email ?? '',
            phone: s.phone ?? '',
            serviceIds: [...(s.serviceIds ?? [])],
            hours: Object.fromEntries(WEEKDAYS.map((d) => [d, formatRanges(s.workingHours?.[d])])) as Record<Weekday, string>,
          }
        : { name: '', email: '', phone: '', serviceIds: [], hours: emptyHours() },
    );
    setEditing(s ? s.id : 'new');
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const workingHours: WorkingHours = {};
    for (const day of WEEKDAYS) {
      const parsed = parseRanges(draft.hours[day]);
      if (typeof parsed === 'string') {
        action.setError(`${DAY_NAMES[day]}: ${parsed}`);
        return;
      }
      if (parsed.length) workingHours[day] = parsed; // a missing weekday is a day off
    }
    // An empty phone is sent as '' so that clearing the field clears it (a PUT leaves out-of-body fields alone).
    const body = { name: draft.name.trim(), email: draft.email.trim(), phone: draft.phone.trim(), serviceIds: draft.serviceIds, workingHours };
    const ok = await action.run(() => (editing === 'new' ? api.post('/admin/staff', body) : api.put(`/admin/staff/${editing}`, body)));
    if (ok) {
      setEditing(null);
      void list.reload();
    }
  };

  const remove = async (s: Staff) => {
    if (!window.confirm(`Remove ${s.name} from the staff?`)) return;
    if (await action.run(() => api.delete(`/admin/staff/${s.id}`))) void list.reload();
  };

  const serviceName = (id: number) => services.data?.find((s) => s.id === id)?.name ?? `#${id}`;

  return (
    <div>
      {list.error && <Notice>{list.error}</Notice>}
      {action.error && <Notice>{action.error}</Notice>}
      <p>
        <button type="button" class="button button-primary" onClick={() => open(null)}>
          Add staff member
        </button>
      </p>
      {editing !== null && (
        <form class="appointease-card" onSubmit={save}>
          <h2>{editing === 'new' ? 'New staff member' : 'Edit staff member'}</h2>
          <p>
            <label>
              Name
              <br />
              <input class="regular-text" required value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
            </label>
          </p>
          <p>
            <label>
              Email
              <br />
              <input type="email" class="regular-text" required value={draft.email} onInput={(e) => setDraft({ ...draft, email: e.currentTarget.value })} />
            </label>
          </p>
          <p>
            <label>
              Phone
              <br />
              <input class="regular-text" value={draft.phone} onInput={(e) => setDraft({ ...draft, phone: e.currentTarget.value })} />
            </label>
          </p>
          <fieldset>
            <legend>Services (none ticked = all services)</legend>
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
            <legend>Weekly hours (e.g. 09:00-12:00, 13:00-17:00; empty = day off)</legend>
            <table class="form-table" role="presentation">
              <tbody>
                {WEEKDAYS.map((day) => (
                  <tr key={day}>
                    <th scope="row">
                      <label for={`appointease-hours-${day}`}>{DAY_NAMES[day]}</label>
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
          <p>
            <button type="submit" class="button button-primary" disabled={action.busy}>
              Save staff member
            </button>{' '}
            <button type="button" class="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </p>
        </form>
      )}
      {list.data && (
        <table class="wp-list-table widefat fixed striped">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Services</th>
              <th scope="col">Hours</th>
              <th scope="col">
                <span class="screen-reader-text">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.name}
                  {s.active === false && <em> (inactive: kept for its appointments)</em>}
                </td>
                <td>{s.email}</td>
                <td>{s.serviceIds?.length ? s.serviceIds.map(serviceName).join(', ') : 'All'}</td>
                <td>
                  {WEEKDAYS.filter((d) => s.workingHours?.[d]?.length).map((d) => (
                    <div key={d}>
                      {d}: {formatRanges(s.workingHours[d])}
                    </div>
                  ))}
                </td>
                <td>
                  <button type="button" class="button" onClick={() => open(s)}>
                    Edit
                  </button>{' '}
                  <button type="button" class="button button-link-delete" onClick={() => remove(s)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
