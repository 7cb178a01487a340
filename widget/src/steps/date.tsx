import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { useWidget } from '../context';
import { explain } from '../errors';
import {
  addDays, addMonths, formatDay, formatMonth, monthCells, todayIn, visitorTime, weekdayNames,
} from '../format';
import { applyEvent, firstFreeDay, mergeSlots, slotChanges, sumMonths, type MergedSlot } from '../slots';
import type { Hold, MonthDay, Slot } from '../types';
import { BackButton, ErrorBox, StepHeading } from '../ui';

export interface DateStepProps {
  serviceId: number;
  /** One employee, or every shown employee for "any available". */
  employeeIds: number[];
  /** Reopen on this day (coming back from the details, or the day of a booking being moved). */
  initialDate: string | null;
  onDate(date: string): void;
  onHeld(hold: Hold): void;
  onBack: (() => void) | null;
  note?: string;
}

const POLL_MS = 15_000;
// Several events for one day often arrive together (a lock covers many cells): one refetch.
const REFETCH_DEBOUNCE_MS = 120;

export function DateStep(p: DateStepProps) {
  const { api, t, locale, settings, services, listen, watch, liveStatus, announce, visitorZone } = useWidget();
  const service = services.find((s) => s.id === p.serviceId);
  const geo = {
    slotInterval: settings.slotInterval || 15,
    duration: service?.duration ?? settings.slotInterval,
    bufferBefore: service?.bufferBefore ?? 0,
    bufferAfter: service?.bufferAfter ?? 0,
  };
  const today = todayIn(settings.timezone);
  const lastDay = addDays(today, settings.maxAdvanceDays ?? 365);
  const emps = p.employeeIds;
  const empKey = emps.join(',');

  const [month, setMonth] = useState<string | null>(null);
  const [days, setDays] = useState<MonthDay[] | null>(null);
  const [date, setDate] = useState<string | null>(null);
  const [byEmp, setByEmp] = useState<Record<number, Slot[]>>({});
  const [loadingDay, setLoadingDay] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const dateRef = useRef<string | null>(null);
  const monthRef = useRef<string | null>(null);
  // Per-employee request counter: only the newest availability answer may land.
  const seq = useRef<Record<number, number>>({});
  const timers = useRef<Record<number, ReturnType<typeof setTimeout>>>({});

  const loadMonth = async (m: string) => sumMonths(await Promise.all(emps.map((e) => api.month(m, e, p.serviceId))));

  async function fetchDay(emp: number, d: string): Promise<void> {
    const n = (seq.current[emp] = (seq.current[emp] ?? 0) + 1);
    const r = await api.availability(d, emp, p.serviceId);
    if (seq.current[emp] !== n || dateRef.current !== d) return;
    setByEmp((cur) => ({ ...cur, [emp]: r.slots }));
  }

  function refetch(emp: number) {
    const d = dateRef.current;
    if (d) fetchDay(emp, d).catch(() => {
      // A failed background refresh keeps the last known times; polling or the next event retries.
    });
  }

  function refetchSoon(emp: number) {
    clearTimeout(timers.current[emp]);
    timers.current[emp] = setTimeout(() => refetch(emp), REFETCH_DEBOUNCE_MS);
  }

  async function selectDate(d: string | null) {
    dateRef.current = d;
    setDate(d);
    setByEmp({});
    setError(null);
    if (!d) return;
    p.onDate(d);
    setLoadingDay(true);
    try {
      await Promise.all(emps.map((e) => fetchDay(e, d)));
    } catch (e) {
      if (dateRef.current === d) setError(e);
    } finally {
      if (dateRef.current === d) setLoadingDay(false);
    }
  }

  async function showMonth(m: string, pickFirst = true) {
    monthRef.current = m;
    setMonth(m);
    setDays(null);
    setError(null);
    try {
      const d = await loadMonth(m);
      if (monthRef.current !== m) return;
      setDays(d);
      if (pickFirst) await selectDate(firstFreeDay(d, today));
    } catch (e) {
      if (monthRef.current === m) setError(e);
    }
  }

  // Open on the first day that has a free time, looking ahead month by month within maxAdvanceDays.
  async function open() {
    setError(null);
    try {
      if (p.initialDate && p.initialDate >= today && p.initialDate <= lastDay) {
        await showMonth(p.initialDate.slice(0, 7), false);
        await selectDate(p.initialDate);
        return;
      }
      const first = today.slice(0, 7);
      for (let m = first, i = 0; m <= lastDay.slice(0, 7) && i < 13; m = addMonths(m, 1), i++) {
        const d = await loadMonth(m);
        const free = firstFreeDay(d, today);
        if (free || i === 0) {
          monthRef.current = m;
          setMonth(m);
          setDays(d);
        }
        if (free) {
          await selectDate(free);
          return;
        }
      }
      monthRef.current = first;
      setMonth(first);
      setDays(await loadMonth(first));
    } catch (e) {
      setError(e);
    }
  }

  useEffect(() => {
    open();
    return () => {
      dateRef.current = null;
      monthRef.current = null;
      Object.values(timers.current).forEach(clearTimeout);
      watch([]);
    };
  }, [p.serviceId, empKey]);

  // Live: watch exactly the shown day for each shown employee.
  useEffect(() => {
    watch(date ? emps.map((employeeId) => ({ date, employeeId })) : []);
  }, [date, empKey]);

  useEffect(
    () =>
      listen({
        onEvent(ev) {
          if (ev.date !== dateRef.current || !emps.includes(ev.employeeId)) return;
          setByEmp((cur) => (cur[ev.employeeId] ? { ...cur, [ev.employeeId]: applyEvent(cur[ev.employeeId]!, ev, geo) } : cur));
          refetchSoon(ev.employeeId);
        },
        onSubscribed(k) {
          if (k.date === dateRef.current) refetchSoon(k.employeeId);
        },
      }),
    [empKey, geo.duration, geo.bufferBefore, geo.bufferAfter, geo.slotInterval],
  );

  // While the socket is down, the REST answer every 15 s stands in for the events.
  useEffect(() => {
    if (liveStatus === 'up' || !date) return;
    const id = setInterval(() => emps.forEach(refetch), POLL_MS);
    return () => clearInterval(id);
  }, [liveStatus, date, empKey]);

  const merged = useMemo(
    () => mergeSlots(emps.filter((e) => byEmp[e]).map((e) => ({ employeeId: e, slots: byEmp[e]! }))),
    [byEmp, empKey],
  );

  // Tell screen readers when a shown time is taken or freed by someone else.
  const shown = useRef<{ date: string | null; slots: Slot[] }>({ date: null, slots: [] });
  useEffect(() => {
    const prev = shown.current;
    if (prev.date === date && prev.slots.length) {
      const { gone, back } = slotChanges(prev.slots, merged);
      const msg = [...gone.filter((x) => x !== busy).map(t.slotGone), ...back.map(t.slotBack)].join(' ');
      if (msg) announce(msg);
    }
    shown.current = { date, slots: merged };
  }, [merged]);

  async function pick(s: MergedSlot) {
    if (busy || s.status !== 'available' || !date) return;
    setBusy(s.time);
    setError(null);
    let last: unknown = null;
    for (const employeeId of s.employees.length ? s.employees : emps) {
      try {
        const hold = await api.lock({ date, time: s.time, employeeId, serviceId: p.serviceId });
        p.onHeld({ ...hold, start: s.start });
        return;
      } catch (e) {
        last = e;
        // With "any available", someone else may still be free at this time.
        if (!(e instanceof ApiError && e.code === 'slot_unavailable')) break;
      }
    }
    setBusy(null);
    setError(last);
    emps.forEach(refetch);
  }

  const now = Date.now();
  const visible = merged.filter((s) => !(Date.parse(s.start) < now));
  const zonesDiffer = visible.some((s) => visitorTime(s, visitorZone));
  const free = new Map((days ?? []).map((d) => [d.date, d.available]));
  const names = weekdayNames(locale.tag, locale.weekStart);
  const cells = month ? monthCells(month, locale.weekStart) : [];
  const rows: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(cells.slice(i, i + 7));

  return (
    <section>
      {p.onBack && <BackButton onClick={p.onBack} />}
      <StepHeading>{t.stepDate}</StepHeading>
      {p.note && <p class="ae-muted">{p.note}</p>}
      {liveStatus === 'down' && <p class="ae-muted ae-small">{t.liveDown}</p>}
      <ErrorBox
        error={error}
        actions={
          // "Choose another time" needs no button: the times are right below.
          explain(error, t).next === 'retry' && (
            <button type="button" class="ae-btn ae-secondary" onClick={() => (date ? selectDate(date) : open())}>
              {t.retry}
            </button>
          )
        }
      />
      {month && (
        <div class="ae-cal">
          <div class="ae-cal-head">
            <button type="button" class="ae-icon" disabled={month <= today.slice(0, 7)} onClick={() => showMonth(addMonths(month, -1))}>
              <span aria-hidden="true">‹</span>
              <span class="ae-sr">{t.prevMonth}</span>
            </button>
            <h3 class="ae-month" aria-live="polite">{formatMonth(month, locale.tag)}</h3>
            <button type="button" class="ae-icon" disabled={addMonths(month, 1) > lastDay.slice(0, 7)} onClick={() => showMonth(addMonths(month, 1))}>
              <span aria-hidden="true">›</span>
              <span class="ae-sr">{t.nextMonth}</span>
            </button>
          </div>
          <table class="ae-grid" aria-busy={days === null}>
            <thead>
              <tr>
                {names.map((n) => (
                  <th scope="col" key={n.long}>
                    <abbr title={n.long}>{n.short}</abbr>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  {r.map((d, j) => (
                    <td key={j}>
                      {d && (
                        <button
                          type="button"
                          class="ae-day"
                          aria-label={formatDay(d, locale.tag)}
                          aria-pressed={d === date}
                          disabled={!(free.get(d)! > 0) || d < today || d > lastDay}
                          onClick={() => selectDate(d)}
                        >
                          {Number(d.slice(8))}
                        </button>
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {days && !days.some((d) => d.available > 0 && d.date >= today) && <p class="ae-muted">{t.noFreeDays}</p>}
        </div>
      )}
      {!month && !error && <p aria-busy="true">{t.loading}</p>}
      {date ? (
        <div class="ae-times">
          <h3>{t.timesFor(formatDay(date, locale.tag))}</h3>
          {zonesDiffer && <p class="ae-muted ae-small">{t.zoneNote(settings.timezone)}</p>}
          {loadingDay && !visible.length ? (
            <p aria-busy="true">{t.loading}</p>
          ) : visible.length ? (
            <ul class="ae-slots">
              {visible.map((s) => {
                const other = visitorTime(s, visitorZone);
                const taken = s.status !== 'available';
                return (
                  <li key={s.time}>
                    <button
                      type="button"
                      class="ae-slot"
                      aria-disabled={taken || busy !== null ? 'true' : undefined}
                      aria-busy={busy === s.time ? 'true' : undefined}
                      aria-describedby={other ? `ae-lt-${s.time}` : undefined}
                      data-status={s.status}
                      onClick={() => pick(s)}
                    >
                      {s.time}
                    </button>
                    {other && (
                      <span id={`ae-lt-${s.time}`} class="ae-local">
                        {t.yourTime(other)}
                      </span>
                    )}
                  </li>
                );
              })}
            </ul>
          ) : (
            !loadingDay && <p class="ae-muted">{t.noTimes}</p>
          )}
        </div>
      ) : (
        days && <p class="ae-muted">{t.pickDay}</p>
      )}
    </section>
  );
}
