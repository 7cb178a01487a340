// Time off (one staff member) and blackout dates (the whole business).
// CONTRACT §7 defines creating and deleting these; listing (GET /admin/blackout-dates and
// GET /admin/staff/{id}/time-off, docs/admin-api.md) is the sidecar's addition. Against a sidecar
// without it (404) the page says so and still lists what was added here.
import { useState } from 'preact/hooks';
import { ApiError, type Api } from '../api';
import type { TimeOff } from '../types';
import { ListTable, RowActions } from '../components/list-table';
import { StaffSelect } from '../components/staff-select';
import { Notice, useAction, useCatalogue, useLoad } from '../ui';
import { __ } from '../i18n';

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
        {__('From', 'appointease-bridge')} <input type="date" required value={value.startDate} onInput={(e) => setValue({ ...value, startDate: e.currentTarget.value })} />
      </label>{' '}
      <label>
        {__('To', 'appointease-bridge')} <input type="date" required min={value.startDate} value={value.endDate} onInput={(e) => setValue({ ...value, endDate: e.currentTarget.value })} />
      </label>{' '}
      <label>
        {__('Reason', 'appointease-bridge')} <input value={value.reason} onInput={(e) => setValue({ ...value, reason: e.currentTarget.value })} />
      </label>{' '}
      <button type="submit" class="button button-primary" disabled={busy}>
        {label}
      </button>
    </form>
  );
}

function RangeTable({ items, onDelete }: { items: TimeOff[]; onDelete: (item: TimeOff) => void }) {
  return (
    <ListTable
      rows={items}
      rowKey={(item) => item.id}
      empty={<p>{__('None.', 'appointease-bridge')}</p>}
      columns={[
        { header: __('From', 'appointease-bridge'), cell: (item) => item.startDate },
        { header: __('To', 'appointease-bridge'), cell: (item) => item.endDate },
        { header: __('Reason', 'appointease-bridge'), cell: (item) => item.reason ?? '' },
      ]}
      actions={(item) => <RowActions onDelete={() => onDelete(item)} />}
    />
  );
}

type Range = { startDate: string; endDate: string; reason: string };

/**
 * One list of date ranges with its add form. Without the sidecar's listing,
 * what is added here is kept in the page, and the page says so.
 */
function RangeSection(p: {
  listing: ReturnType<typeof useLoad<Listing>>;
  action: ReturnType<typeof useAction>;
  addLabel: string;
  unlistedText: string;
  add(range: Range): Promise<TimeOff>;
  remove(item: TimeOff): Promise<void>;
}) {
  const { listing, action } = p;
  const keep = (items: TimeOff[]) => listing.setData({ listed: listing.data?.listed ?? false, items });
  return (
    <>
      {listing.error && <Notice>{listing.error}</Notice>}
      <RangeForm
        label={p.addLabel}
        busy={action.busy}
        onSubmit={(v) =>
          action.run(async () => {
            const added = await p.add(v);
            if (listing.data?.listed) void listing.reload();
            else keep([...(listing.data?.items ?? []), added]);
          })
        }
      />
      {listing.data && !listing.data.listed && <Notice kind="info">{p.unlistedText}</Notice>}
      {listing.data && (
        <RangeTable
          items={listing.data.items}
          onDelete={(item) =>
            void action.run(async () => {
              await p.remove(item);
              keep((listing.data?.items ?? []).filter((i) => i.id !== item.id));
            })
          }
        />
      )}
    </>
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

  return (
    <div>
      {action.error && <Notice>{action.error}</Notice>}
      <h2>{__('Staff time off', 'appointease-bridge')}</h2>
      <p>
        <label>
          {__('Staff member', 'appointease-bridge')}{' '}
          <StaffSelect staff={staff.data} value={staffId === null ? '' : String(staffId)} emptyLabel={__('Choose…', 'appointease-bridge')} onChange={(v) => setStaffId(v ? Number(v) : null)} />
        </label>
      </p>
      {staffId !== null && (
        <RangeSection
          listing={timeOff}
          action={action}
          addLabel={__('Add time off', 'appointease-bridge')}
          unlistedText={__('This sidecar does not list existing time off; only entries added here are shown.', 'appointease-bridge')}
          add={(v) => api.post<{ timeOff: TimeOff }>(`/admin/staff/${staffId}/time-off`, v).then((r) => r.timeOff)}
          remove={(item) => api.delete(`/admin/staff/${staffId}/time-off/${item.id}`)}
        />
      )}
      <h2>{__('Blackout dates (whole business closed)', 'appointease-bridge')}</h2>
      <RangeSection
        listing={blackouts}
        action={action}
        addLabel={__('Add blackout', 'appointease-bridge')}
        unlistedText={__('This sidecar does not list existing blackout dates; only entries added here are shown.', 'appointease-bridge')}
        add={(v) => api.post<{ blackoutDate: TimeOff }>('/admin/blackout-dates', v).then((r) => r.blackoutDate)}
        remove={(item) => api.delete(`/admin/blackout-dates/${item.id}`)}
      />
    </div>
  );
}
