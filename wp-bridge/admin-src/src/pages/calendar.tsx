// The calendar: a week of one staff member, or one day of all staff side by side, with the
// appointments and the live holds (updated over the admin feed). Clicking an appointment opens
// it: the customer, and cancel / completed / no-show. Days and times are the business zone's.
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api';
import { AppointmentPanel, statusLabel } from '../calendar/appointment-panel';
import { CalendarGrid, type CalendarBlock, type CalendarColumn } from '../calendar/calendar-grid';
import { addDays, hoursAxis, minutesIn, todayIn, toMinutes, weekOf, workingSpans, type Span } from '../calendar/layout';
import { useCalendarData } from '../calendar/use-calendar-data';
import { FeedStatus } from '../components/feed-status';
import { StaffSelect } from '../components/staff-select';
import { ViewTabs } from '../components/view-tabs';
import { __, _n, sprintf } from '../i18n';
import type { Appointment, AppointmentStatus, BusinessSettings, Lock, Staff } from '../types';
import { Notices, Notice, useAction, useCatalogue, useLoad } from '../ui';

type Mode = 'week' | 'day';

/** Where the calendar was (view, day, staff member) lives in the address, so a reload or a shared link keeps it. */
function readPlace(): { mode: Mode; date: string | null; staff: number | null } {
  const q = new URLSearchParams(location.search);
  const date = q.get('date');
  const staff = Number(q.get('staff'));
  return { mode: q.get('view') === 'day' ? 'day' : 'week', date: date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : null, staff: staff > 0 ? staff : null };
}

function writePlace(mode: Mode, date: string, staff: number | null) {
  const q = new URLSearchParams(location.search);
  q.set('view', mode);
  q.set('date', date);
  if (staff) q.set('staff', String(staff));
  else q.delete('staff');
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

const addressOf = (a: Appointment) => a.reference ?? String(a.id);

export function CalendarPage({ api }: { api: Api }) {
  const locale = api.config.locale || 'en';
  const weekStart = api.config.weekStart ?? 1;
  const place = readPlace();
  const { services, staff, serviceName, staffName } = useCatalogue(api);
  const settings = useLoad(() => api.get<BusinessSettings>('/admin/settings'));
  const zone = settings.data?.timezone ?? 'UTC';
  const today = todayIn(zone);
  const [mode, setMode] = useState<Mode>(place.mode);
  const [anchor, setAnchor] = useState<string | null>(place.date);
  const [chosenStaff, setChosenStaff] = useState<number | null>(place.staff);
  const [showCancelled, setShowCancelled] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const action = useAction();

  const date = anchor ?? today;
  const active = (staff.data ?? []).filter((s) => s.active !== false);
  const person = mode === 'week' ? (active.find((s) => s.id === chosenStaff) ?? active[0] ?? null) : null;
  const days = mode === 'week' ? weekOf(date, weekStart) : [date];
  const data = useCalendarData(api, days[0], days[days.length - 1], mode === 'week' ? (person?.id ?? null) : null);

  useEffect(() => {
    if (settings.data) writePlace(mode, date, person?.id ?? null);
  }, [mode, date, person?.id, settings.data]);
  // Holds count down and the "now" line moves.
  useEffect(() => {
    const id = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(id);
  }, []);

  const fmt = (d: string, o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, { timeZone: 'UTC', ...o }).format(new Date(`${d}T00:00:00Z`));
  const dayTitle = (d: string) => fmt(d, { weekday: 'short', day: 'numeric', month: 'short' });
  const dayLabel = (d: string) => fmt(d, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const range =
    mode === 'week'
      ? new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).formatRange(new Date(`${days[0]}T00:00:00Z`), new Date(`${days[6]}T00:00:00Z`))
      : dayLabel(date);
  const nowMinutes = minutesIn(zone, new Date(data.feed.now()));
  const duration = (a: Appointment) => services.data?.find((s) => s.id === a.serviceId)?.duration ?? settings.data?.slotInterval ?? 30;
  const spanOf = (a: Appointment): Span => {
    const start = toMinutes(a.time);
    const end = a.endTime ? toMinutes(a.endTime) : start + duration(a);
    return { start, end: end > start ? end : 24 * 60 };
  };
  const lockSpan = (l: Lock): Span => {
    const start = toMinutes(l.time);
    // The sidecar names the held service's end; holds seen before it said so fall back to the service.
    if (l.endTime) return { start, end: toMinutes(l.endTime) > start ? toMinutes(l.endTime) : 24 * 60 };
    const service = services.data?.find((s) => s.id === l.serviceId);
    const cells = l.times?.length ? toMinutes(l.times[l.times.length - 1]) + (settings.data?.slotInterval ?? 30) : start + 30;
    return { start, end: service ? start + service.duration : cells };
  };

  // Columns: the week's days for one person, or everyone on one day (someone no longer
  // bookable still gets a column on a day they have appointments).
  const people: Staff[] =
    mode === 'week' ? (person ? [person] : []) : (staff.data ?? []).filter((s) => s.active !== false || data.appointments?.some((a) => a.employeeId === s.id));
  const columns: CalendarColumn[] =
    mode === 'week'
      ? days.map((d) => ({ key: d, title: dayTitle(d), label: dayLabel(d), working: workingSpans(person?.workingHours, d), now: d === today ? nowMinutes : null }))
      : people.map((s) => ({ key: String(s.id), title: s.name, label: s.name, working: workingSpans(s.workingHours, date), now: date === today ? nowMinutes : null }));
  const columnOf = (d: string, employeeId: number | null) => (mode === 'week' ? d : String(employeeId));

  const shown = (data.appointments ?? []).filter((a) => (showCancelled || a.status !== 'cancelled') && columns.some((c) => c.key === columnOf(a.date, a.employeeId)));
  const liveLocks = data.locks.filter((l) => Date.parse(l.expiresAt) > data.feed.now() && columns.some((c) => c.key === columnOf(l.date, l.employeeId)));
  const blocks: CalendarBlock[] = [
    ...shown.map((a): CalendarBlock => {
      const span = spanOf(a);
      return {
        ...span,
        key: `a${a.id}`,
        column: columnOf(a.date, a.employeeId),
        kind: 'appointment',
        status: a.status,
        data: { 'data-reference': addressOf(a), 'data-status': a.status },
        onOpen: () => setOpen(a.id),
        content: (
          <>
            <span class="appointease-cal-time">
              {a.time}–{a.endTime ?? ''}
            </span>{' '}
            <strong>{a.name}</strong>
            <span class="appointease-cal-sub">
              {a.serviceName ?? (a.serviceId === null ? '' : serviceName(a.serviceId))}
              {a.status !== 'confirmed' && ` · ${statusLabel(a.status)}`}
            </span>
          </>
        ),
      };
    }),
    ...liveLocks.map((l): CalendarBlock => {
      const left = Math.max(0, Math.round((Date.parse(l.expiresAt) - data.feed.now()) / 1000));
      return {
        ...lockSpan(l),
        key: `l${l.date}${l.time}${l.employeeId}`,
        column: columnOf(l.date, l.employeeId),
        kind: 'hold',
        data: { 'data-hold': `${l.date} ${l.time} ${l.employeeId}` },
        content: (
          <>
            <span class="appointease-cal-time">{l.time}</span>{' '}
            <strong>{__('Being booked', 'appointease-bridge')}</strong>
            <span class="appointease-cal-sub">
              {sprintf(_n('held for %d more second', 'held for %d more seconds', left, 'appointease-bridge'), left)}
            </span>
          </>
        ),
      };
    }),
  ];
  const axis = hoursAxis([...people.flatMap((s) => days.flatMap((d) => workingSpans(s.workingHours, d))), ...blocks]);

  const opened = (data.appointments ?? []).find((a) => a.id === open) ?? null;
  const close = () => {
    const ref = opened && addressOf(opened);
    setOpen(null);
    // Back to the block that opened it.
    if (ref) setTimeout(() => document.querySelector<HTMLElement>(`.appointease-cal-block[data-reference="${CSS.escape(ref)}"]`)?.focus(), 0);
  };
  const setStatus = async (a: Appointment, status: AppointmentStatus) => {
    const who = `${a.reference ?? `#${a.id}`} (${a.name}, ${a.date} ${a.time})`;
    if (status === 'cancelled' && !window.confirm(sprintf(__('Cancel %s? The customer is told by email and the time becomes free.', 'appointease-bridge'), who))) return;
    setFlash(null);
    if (await action.run(() => api.put(`/admin/appointments/${encodeURIComponent(addressOf(a))}`, { status }))) {
      setFlash(sprintf(__('%1$s is now: %2$s.', 'appointease-bridge'), a.reference ?? `#${a.id}`, statusLabel(status)));
      await data.reload();
    }
  };

  const step = mode === 'week' ? 7 : 1;
  return (
    <div class="appointease-calendar">
      <ViewTabs api={api} current="calendar" />
      <div class="appointease-cal-bar">
        <label>
          {__('View', 'appointease-bridge')}{' '}
          <select value={mode} onChange={(e) => setMode(e.currentTarget.value as Mode)}>
            <option value="week">{__('Week of one staff member', 'appointease-bridge')}</option>
            <option value="day">{__('Day, all staff side by side', 'appointease-bridge')}</option>
          </select>
        </label>
        {mode === 'week' && (
          <label>
            {__('Staff member', 'appointease-bridge')}{' '}
            <StaffSelect staff={active} value={person ? String(person.id) : ''} emptyLabel={__('Choose…', 'appointease-bridge')} onChange={(v) => setChosenStaff(v ? Number(v) : null)} />
          </label>
        )}
        <span class="appointease-cal-nav">
          <button type="button" class="button" onClick={() => setAnchor(addDays(date, -step))}>
            <span aria-hidden="true">‹ </span>
            {mode === 'week' ? __('Previous week', 'appointease-bridge') : __('Previous day', 'appointease-bridge')}
          </button>
          <button type="button" class="button" onClick={() => setAnchor(today)} disabled={days.includes(today)}>
            {__('Today', 'appointease-bridge')}
          </button>
          <button type="button" class="button" onClick={() => setAnchor(addDays(date, step))}>
            {mode === 'week' ? __('Next week', 'appointease-bridge') : __('Next day', 'appointease-bridge')}
            <span aria-hidden="true"> ›</span>
          </button>
        </span>
        <label class="appointease-check">
          <input type="checkbox" checked={showCancelled} onChange={(e) => setShowCancelled(e.currentTarget.checked)} /> {__('Show cancelled', 'appointease-bridge')}
        </label>
      </div>
      <h2 class="appointease-cal-range" aria-live="polite">
        {range}
        {person && ` · ${person.name}`}
      </h2>
      <FeedStatus state={data.feed.state} />
      <p class="description">{sprintf(__('Times are in the business time zone, %s.', 'appointease-bridge'), zone)}</p>
      <Notices errors={[settings.error, staff.error, data.error, data.feed.error, action.error]} />
      {flash && <Notice kind="success">{flash}</Notice>}
      <div class="appointease-cal-main">
        {!settings.data || !staff.data || data.appointments === null ? (
          <p>{__('Loading…', 'appointease-bridge')}</p>
        ) : !people.length ? (
          <p>{__('No staff yet: add someone on the Staff page.', 'appointease-bridge')}</p>
        ) : (
          <CalendarGrid columns={columns} blocks={blocks} axis={axis} />
        )}
        {opened && (
          <AppointmentPanel
            appointment={opened}
            when={`${dayLabel(opened.date)}, ${opened.time}${opened.endTime ? `–${opened.endTime}` : ''} (${zone})`}
            staffName={opened.employeeName ?? (opened.employeeId === null ? '—' : staffName(opened.employeeId))}
            serviceName={opened.serviceName ?? (opened.serviceId === null ? '—' : serviceName(opened.serviceId))}
            busy={action.busy}
            onStatus={(status) => void setStatus(opened, status)}
            onClose={close}
          />
        )}
      </div>
      <p class="appointease-cal-legend">
        <span class="appointease-cal-key appointease-cal-appointment" /> {__('Appointment', 'appointease-bridge')}{' '}
        <span class="appointease-cal-key appointease-cal-hold" /> {__('Being booked right now (held)', 'appointease-bridge')}{' '}
        <span class="appointease-cal-key appointease-cal-work-key" /> {__('Working hours', 'appointease-bridge')}
      </p>
    </div>
  );
}
