import { useEffect, useRef, useState } from 'preact/hooks';
import { useWidget } from '../context';
import { addMonths } from '../format';
import { firstFreeDay, sumMonths } from '../slots';
import type { MonthDay } from '../types';

export interface MonthViewOptions {
  serviceId: number;
  employeeIds: number[];
  /** The business zone's today and the last bookable day. */
  today: string;
  lastDay: string;
  /** Reopen on this day instead of the first free one. */
  initialDate: string | null;
  /** Show a day's times (the day hook's select; it reports its own failure). */
  selectDay(date: string | null): Promise<void>;
  onError(error: unknown): void;
}

export interface MonthView {
  /** `YYYY-MM` shown, null while the first month loads. */
  month: string | null;
  /** Free times per day of the shown month, null while it loads. */
  days: MonthDay[] | null;
  /** Show another month; `pickFirst` also selects its first free day. */
  show(month: string, pickFirst?: boolean): Promise<void>;
  /** Open on the initial day, or the first day with a free time. */
  open(): Promise<void>;
}

/** The month overview: free times per day, summed over the shown employees. */
export function useMonthView(o: MonthViewOptions): MonthView {
  const { api } = useWidget();
  const empKey = o.employeeIds.join(',');
  const [month, setMonth] = useState<string | null>(null);
  const [days, setDays] = useState<MonthDay[] | null>(null);
  const monthRef = useRef<string | null>(null);

  const loadMonth = async (m: string) => sumMonths(await Promise.all(o.employeeIds.map((e) => api.month(m, e, o.serviceId))));

  async function show(m: string, pickFirst = true) {
    monthRef.current = m;
    setMonth(m);
    setDays(null);
    o.onError(null);
    try {
      const d = await loadMonth(m);
      if (monthRef.current !== m) return;
      setDays(d);
      if (pickFirst) await o.selectDay(firstFreeDay(d, o.today));
    } catch (e) {
      if (monthRef.current === m) o.onError(e);
    }
  }

  // Look ahead month by month within maxAdvanceDays for the first day with a free time.
  async function open() {
    o.onError(null);
    try {
      if (o.initialDate && o.initialDate >= o.today && o.initialDate <= o.lastDay) {
        await show(o.initialDate.slice(0, 7), false);
        await o.selectDay(o.initialDate);
        return;
      }
      const first = o.today.slice(0, 7);
      for (let m = first, i = 0; m <= o.lastDay.slice(0, 7) && i < 13; m = addMonths(m, 1), i++) {
        const d = await loadMonth(m);
        const free = firstFreeDay(d, o.today);
        if (free || i === 0) {
          monthRef.current = m;
          setMonth(m);
          setDays(d);
        }
        if (free) {
          await o.selectDay(free);
          return;
        }
      }
      monthRef.current = first;
      setMonth(first);
      setDays(await loadMonth(first));
    } catch (e) {
      o.onError(e);
    }
  }

  useEffect(() => {
    open();
    return () => {
      monthRef.current = null;
    };
  }, [o.serviceId, empKey]);

  return { month, days, show, open };
}
