// Time off (one staff member) and blackout dates (the whole business).
// CONTRACT §7 defines creating and deleting these; listing (GET /admin/blackout-dates and
// GET /admin/staff/{id}/time-off, docs/admin-api.md) is the sidecar's addition. Against a sidecar
// without it (404) the page says so and still lists what was added here.
import { useState } from 'preact/hooks';
import { ApiError, type Api } from '../api';
import type { TimeOff } from '../types';
import { Notice, useAction, useCatalogue, useLoad } from '../ui';

type Listing = { items: TimeOff[]; listed: boolean };

async function listOrNothing(load: () => Promise<TimeOff[]>): Promise<Listing> {
  try {
    return { items: await load(), listed: true };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return { items: [], listed: false };
    throw e;
  }
}

function RangeForm({ onSubmit, busy, label }: { onSubmit: (v: { startDate: string; endDate: string; reason: string }) => Promise<boolean>; busy: boolean; label: string }) {
  const [value, setValue] = useState({ startDate: '', endDate: '', reason: '' });
  return (
    <form
      class="appointease-inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await onSubmit(value)) setValue({ startDate: '', endDate: '', reason: '' });
      }}
    >
      <label>
        From <input type="date" required value={value.startDate} onInput={(e) => setValue({ ...value, startDate: e.currentTarget.value })} />
      </label>{' '}
      <label>
        To <input type="date" required min={value.startDate} value={value.endDate} onInput={(e) => setValue({ ...value, endDate: e.currentTarget.value })} />
      </label>{' '}
      <label>
        Reason <input value={value.reason} onInput={(e) => setValue({ ...value, reason: e.currentTarget.value })} />
      </label>{' '}
      <button type="submit" class="button button-primary" disabled={busy}>
        {label}
      </button>
    </form>
  );
}

function RangeTable({ items, onDelete }: { items: TimeOff[]; onDelete: (item: TimeOff) => void }) {
  if (!items.length) return <p>None.</p>;
  return (
    <table class="wp-list-table widefat fixed striped">
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Reason</th>
          <th scope="col">
            <span class="screen-reader-text">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id}>
            <td>{item.startDate}</td>
            <td>{item.endDate}</td>
            <td>{item.reason ?? ''}</td>
            <td>
              <button type="button" class="button button-link-delete" onClick={() => onDelete(item)}>
                Delete
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TimeOffPage({ api }: { api: Api }) {
  const { staff } = useCatalogue(api);
  const [staffId, setStaffId] = useState<number | null>(null);
  const action = useAction();
  const blackouts = useLoad(() => listOrNothing(() => api.get<{ blackoutDates: TimeOff[] }>('/admin/blackout-dates').then((r) => r.blackoutDates)));
  const timeOff = useLoad(
    () => (staffId === null ? Promise.resolve<Listing>({ items: [], listed: true }) : listOrNothing(() => api.get<{ timeOff: TimeOff[] }>(`/admin/staff/${staffId}/time-off`).then((r) => r.timeOff))),
    [staffId],
  );

  const addTo = (listing: typeof blackouts, item: TimeOff) => listing.setData({ listed: listing.data?.listed ?? false, items: [...(listing.data?.items ?? []), item] });
  const removeFrom = (listing: typeof blackouts, item: TimeOff) => listing.setData({ listed: listing.data?.listed ?? false, items: (listing.data?.items ?? []).filter((i) => i.id !== item.id) });

  return (
    <div>
      {action.error && <Notice>{action.error}</Notice>}
      <h2>Staff time off</h2>
      <p>
        <label>
          Staff member{' '}
          <select value={staffId === null ? '' : String(staffId)} onChange={(e) => setStaffId(e.currentTarget.value ? Number(e.currentTarget.value) : null)}>
            <option value="">Choose…</option>
            {staff.data?.map((s) => (
              <option key={s.id} value={String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      </p>
      {staffId !== null && (
        <>
          {timeOff.error && <Notice>{timeOff.error}</Notice>}
          <RangeForm
            label="Add time off"
            busy={action.busy}
            onSubmit={(v) =>
              action.run(async () => {
                const r = await api.post<{ timeOff: TimeOff }>(`/admin/staff/${staffId}/time-off`, v);
                if (timeOff.data?.listed) void timeOff.reload();
                else addTo(timeOff, r.timeOff);
              })
            }
          />
          {timeOff.data && !timeOff.data.listed && <Notice kind="info">This sidecar does not list existing time off; only entries added here are shown.</Notice>}
          {timeOff.data && (
            <RangeTable
              items={timeOff.data.items}
              onDelete={(item) => void action.run(async () => {
                await api.delete(`/admin/staff/${staffId}/time-off/${item.id}`);
                removeFrom(timeOff, item);
              })}
            />
          )}
        </>
      )}
      <h2>Blackout dates (whole business closed)</h2>
      {blackouts.error && <Notice>{blackouts.error}</Notice>}
      <RangeForm
        label="Add blackout"
        busy={action.busy}
        onSubmit={(v) =>
          action.run(async () => {
            const r = await api.post<{ blackoutDate: TimeOff }>('/admin/blackout-dates', v);
            if (blackouts.data?.listed) void blackouts.reload();
            else addTo(blackouts, r.blackoutDate);
          })
        }
      />
      {blackouts.data && !blackouts.data.listed && <Notice kind="info">This sidecar does not list existing blackout dates; only entries added here are shown.</Notice>}
      {blackouts.data && (
        <RangeTable
          items={blackouts.data.items}
          onDelete={(item) => void action.run(async () => {
            await api.delete(`/admin/blackout-dates/${item.id}`);
            removeFrom(blackouts, item);
          })}
        />
      )}
    </div>
  );
}
