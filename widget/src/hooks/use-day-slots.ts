import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useWidget } from '../context';
import { applyEvent, mergeSlots, type Geometry, type MergedSlot } from '../slots';
import type { Slot } from '../types';

const POLL_MS = 15_000;
// Several events for one day often arrive together (a lock covers many cells): one refetch.
const REFETCH_DEBOUNCE_MS = 120;

export interface DaySlots {
  /** The shown day, or null before one is chosen. */
  date: string | null;
  /** The shown day's times across the shown employees ("any available" merges them). */
  slots: MergedSlot[];
  loading: boolean;
  /** Show a day (null clears it); a failure to load it goes to `onError`. */
  select(date: string | null): Promise<void>;
  /** Reload the shown day in the background (after a refused hold). */
  refetchAll(): void;
}

/**
 * The times of one day for one or several employees, kept live: the shown day
 * is watched on the widget's socket, an event marks the affected times at once
 * and then the day is refetched (events are hints, REST is the truth), and
 * while the socket is down the day is polled.
 */
export function useDaySlots(o: {
  serviceId: number;
  employeeIds: number[];
  geo: Geometry;
  /** The visitor chose a day (remembered for coming back to this step). */
  onDate(date: string): void;
  onError(error: unknown): void;
}): DaySlots {
  const { serviceId, employeeIds, geo } = o;
  const { api, listen, watch, liveStatus } = useWidget();
  const empKey = employeeIds.join(',');
  const [date, setDate] = useState<string | null>(null);
  const [byEmp, setByEmp] = useState<Record<number, Slot[]>>({});
  const [loading, setLoading] = useState(false);

  const dateRef = useRef<string | null>(null);
  // Per-employee request counter: only the newest availability answer may land.
  const seq = useRef<Record<number, number>>({});
  const timers = useRef<Record<number, ReturnType<typeof setTimeout>>>({});

  async function fetchDay(emp: number, d: string): Promise<void> {
    const n = (seq.current[emp] = (seq.current[emp] ?? 0) + 1);
    const r = await api.availability(d, emp, serviceId);
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

  async function select(d: string | null): Promise<void> {
    dateRef.current = d;
    setDate(d);
    setByEmp({});
    o.onError(null);
    if (!d) return;
    o.onDate(d);
    setLoading(true);
    try {
      await Promise.all(employeeIds.map((e) => fetchDay(e, d)));
    } catch (e) {
      if (dateRef.current === d) o.onError(e);
    } finally {
      if (dateRef.current === d) setLoading(false);
    }
  }

  useEffect(
    () => () => {
      dateRef.current = null;
      Object.values(timers.current).forEach(clearTimeout);
      watch([]);
    },
    [serviceId, empKey],
  );

  // Live: watch exactly the shown day for each shown employee.
  useEffect(() => {
    watch(date ? employeeIds.map((employeeId) => ({ date, employeeId })) : []);
  }, [date, empKey]);

  useEffect(
    () =>
      listen({
        onEvent(ev) {
          if (ev.date !== dateRef.current || !employeeIds.includes(ev.employeeId)) return;
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
    const id = setInterval(() => employeeIds.forEach(refetch), POLL_MS);
    return () => clearInterval(id);
  }, [liveStatus, date, empKey]);

  const slots = useMemo(
    () => mergeSlots(employeeIds.filter((e) => byEmp[e]).map((e) => ({ employeeId: e, slots: byEmp[e]! }))),
    [byEmp, empKey],
  );

  return { date, slots, loading, select, refetchAll: () => employeeIds.forEach(refetch) };
}
