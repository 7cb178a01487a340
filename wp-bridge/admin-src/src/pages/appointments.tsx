// Appointments: a date range and optional staff filter over GET /admin/appointments,
// with cancellation through PUT /admin/appointments/{reference}.
import { useState } from 'preact/hooks';
import type { Api } from '../api';
import type { Appointment } from '../types';
import { ListTable, RowActions } from '../components/list-table';
import { StaffSelect } from '../components/staff-select';
import { Notices, useAction, useCatalogue, useLoad } from '../ui';

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
    if (!window.confirm(`Cancel ${appointment.reference ?? `#${appointment.id}`} (${appointment.name}, ${appointment.date} ${appointment.time})?`)) return;
    if (await action.run(() => api.put(`/admin/appointments/${encodeURIComponent(addressOf(appointment))}`, { status: 'cancelled' }))) void list.reload();
  };

  return (
    <div>
      <form class="appointease-filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="date" value={filter.from} onChange={(e) => setFilter({ ...filter, from: e.currentTarget.value })} />
        </label>{' '}
        <label>
          To <input type="date" value={filter.to} onChange={(e) => setFilter({ ...filter, to: e.currentTarget.value })} />
        </label>{' '}
        <label>
          Staff{' '}
          <StaffSelect staff={staff.data} value={filter.employeeId} emptyLabel="Everyone" onChange={(employeeId) => setFilter({ ...filter, employeeId })} />
        </label>
      </form>
      <Notices errors={[list.error, action.error]} />
      {list.loading && !list.data ? (
        <p>Loading…</p>
      ) : (
        <ListTable
          rows={list.data ?? []}
          rowKey={(a) => a.id}
          empty={<p>No appointments in this range.</p>}
          columns={[
            { header: 'Reference', cell: (a) => (a.reference ? <code>{a.reference}</code> : <span title="Stored without a reference">#{a.id}</span>) },
            { header: 'Date', cell: (a) => a.date },
            { header: 'Time', cell: (a) => `${a.time}${a.endTime ? `–${a.endTime}` : ''}` },
            {
              header: 'Customer',
              cell: (a) => (
                <>
                  {a.name}
                  <br />
                  <a href={`mailto:${a.email}`}>{a.email}</a>
                </>
              ),
            },
            { header: 'Staff', cell: (a) => a.employeeName ?? (a.employeeId === null ? '—' : staffName(a.employeeId)) },
            { header: 'Service', cell: (a) => a.serviceName ?? (a.serviceId === null ? '—' : serviceName(a.serviceId)) },
            { header: 'Status', cell: (a) => a.status },
          ]}
          actions={(a) => a.status !== 'cancelled' && <RowActions deleteLabel="Cancel" busy={action.busy} onDelete={() => cancel(a)} />}
        />
      )}
    </div>
  );
}
