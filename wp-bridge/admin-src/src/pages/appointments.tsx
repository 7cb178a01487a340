// Appointments: a date range and optional staff filter over GET /admin/appointments,
// with cancellation through PUT /admin/appointments/{reference}.
import { useState } from 'preact/hooks';
import type { Api } from '../api';
import type { Appointment } from '../types';
import { Notice, useAction, useCatalogue, useLoad } from '../ui';

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
          <select value={filter.employeeId} onChange={(e) => setFilter({ ...filter, employeeId: e.currentTarget.value })}>
            <option value="">Everyone</option>
            {staff.data?.map((s) => (
              <option key={s.id} value={String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      </form>
      {list.error && <Notice>{list.error}</Notice>}
      {action.error && <Notice>{action.error}</Notice>}
      {list.loading && !list.data ? (
        <p>Loading…</p>
      ) : list.data?.length === 0 ? (
        <p>No appointments in this range.</p>
      ) : (
        <table class="wp-list-table widefat fixed striped">
          <thead>
            <tr>
              <th scope="col">Reference</th>
              <th scope="col">Date</th>
              <th scope="col">Time</th>
              <th scope="col">Customer</th>
              <th scope="col">Staff</th>
              <th scope="col">Service</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="screen-reader-text">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data?.map((a) => (
              <tr key={a.id}>
                <td>{a.reference ? <code>{a.reference}</code> : <span title="Stored without a reference">#{a.id}</span>}</td>
                <td>{a.date}</td>
                <td>
                  {a.time}
                  {a.endTime ? `–${a.endTime}` : ''}
                </td>
                <td>
                  {a.name}
                  <br />
                  <a href={`mailto:${a.email}`}>{a.email}</a>
                </td>
                <td>{a.employeeName ?? (a.employeeId === null ? '—' : staffName(a.employeeId))}</td>
                <td>{a.serviceName ?? (a.serviceId === null ? '—' : serviceName(a.serviceId))}</td>
                <td>{a.status}</td>
                <td>
                  {a.status !== 'cancelled' && (
                    <button type="button" class="button button-link-delete" disabled={action.busy} onClick={() => cancel(a)}>
                      Cancel
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
