// Appointments: a date range and optional staff filter over GET /admin/appointments,
// with cancellation through PUT /admin/appointments/{reference}.
import { useState } from 'preact/hooks';
import type { Api } from '../api';
import type { Appointment } from '../types';
import { statusLabel } from '../calendar/appointment-panel';
import { ListTable, RowActions } from '../components/list-table';
import { ViewTabs } from '../components/view-tabs';
import { StaffSelect } from '../components/staff-select';
import { Notices, useAction, useCatalogue, useLoad } from '../ui';
import { __, sprintf } from '../i18n';

function isoDay(offsetDays: number): string {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The sidecar addresses rows the original plugin stored without a reference by their numeric id. */
const addressOf = (a: Appointment) => a.reference ?? String(a.id);

export function AppointmentsPage({ api }: { api: Api }) {
  const { staff, serviceName, staffName } = useCatalogue(api);
  const [filter, setFilter] = useState({ from: isoDay(0), to: isoDay(30), employeeId: '' });
  const list = useLoad(() => {
    const query = new URLSearchParams({ from: filter.from, to: filter.to });
    if (filter.employeeId) query.set('employeeId', filter.employeeId);
    return api.get<{ appointments: Appointment[] }>(`/admin/appointments?${query}`).then((r) => r.appointments);
  }, [filter.from, filter.to, filter.employeeId]);
  const action = useAction();

  const cancel = async (appointment: Appointment) => {
    if (!window.confirm(sprintf(__('Cancel %s?', 'appointease-bridge'), `${appointment.reference ?? `#${appointment.id}`} (${appointment.name}, ${appointment.date} ${appointment.time})`))) return;
    if (await action.run(() => api.put(`/admin/appointments/${encodeURIComponent(addressOf(appointment))}`, { status: 'cancelled' }))) void list.reload();
  };

  return (
    <div>
      <ViewTabs api={api} current="appointments" />
      <form class="appointease-filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          {__('From', 'appointease-bridge')} <input type="date" value={filter.from} onChange={(e) => setFilter({ ...filter, from: e.currentTarget.value })} />
        </label>{' '}
        <label>
          {__('To', 'appointease-bridge')} <input type="date" value={filter.to} onChange={(e) => setFilter({ ...filter, to: e.currentTarget.value })} />
        </label>{' '}
        <label>
          {__('Staff', 'appointease-bridge')}{' '}
          <StaffSelect staff={staff.data} value={filter.employeeId} emptyLabel={__('Everyone', 'appointease-bridge')} onChange={(employeeId) => setFilter({ ...filter, employeeId })} />
        </label>
      </form>
      <Notices errors={[list.error, action.error]} />
      {list.loading && !list.data ? (
        <p>{__('Loading…', 'appointease-bridge')}</p>
      ) : (
        <ListTable
          rows={list.data ?? []}
          rowKey={(a) => a.id}
          empty={<p>{__('No appointments in this range.', 'appointease-bridge')}</p>}
          columns={[
            { header: __('Reference', 'appointease-bridge'), cell: (a) => (a.reference ? <code>{a.reference}</code> : <span title={__('Stored without a reference', 'appointease-bridge')}>#{a.id}</span>) },
            { header: __('Date', 'appointease-bridge'), cell: (a) => a.date },
            { header: __('Time', 'appointease-bridge'), cell: (a) => `${a.time}${a.endTime ? `–${a.endTime}` : ''}` },
            {
              header: __('Customer', 'appointease-bridge'),
              cell: (a) => (
                <>
                  {a.name}
                  <br />
                  <a href={`mailto:${a.email}`}>{a.email}</a>
                </>
              ),
            },
            { header: __('Staff', 'appointease-bridge'), cell: (a) => a.employeeName ?? (a.employeeId === null ? '—' : staffName(a.employeeId)) },
            { header: __('Service', 'appointease-bridge'), cell: (a) => a.serviceName ?? (a.serviceId === null ? '—' : serviceName(a.serviceId)) },
            { header: __('Status', 'appointease-bridge'), cell: (a) => statusLabel(a.status) },
          ]}
          actions={(a) => a.status !== 'cancelled' && <RowActions deleteLabel={__('Cancel', 'appointease-bridge')} busy={action.busy} onDelete={() => cancel(a)} />}
        />
      )}
    </div>
  );
}
