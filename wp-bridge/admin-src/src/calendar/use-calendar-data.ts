// What the calendar shows for a range of days: the appointments (GET /admin/appointments) and
// the live holds (GET /admin/locks), reloaded whenever the admin feed reports a slot event
// (within a moment: several events of one booking arrive together), when the feed comes back,
// and every 15 s while it is down.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../api';
import { useAdminFeed, type AdminFeed } from '../feed';
import type { Appointment, Lock } from '../types';

const POLL_MS = 15_000;
const SETTLE_MS = 100;

export interface CalendarData {
  appointments: Appointment[] | null;
  locks: Lock[];
  error: string | null;
  feed: AdminFeed;
  reload(): Promise<void>;
}

export function useCalendarData(api: Api, from: string, to: string, employeeId: number | null): CalendarData {
  const [appointments, setAppointments] = useState<Appointment[] | null>(null);
  const [locks, setLocks] = useState<Lock[]>([]);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  const load = useRef<() => Promise<void>>(async () => undefined);
  load.current = async () => {
    const mine = ++generation.current;
    const query = new URLSearchParams({ from, to });
    if (employeeId !== null) query.set('employeeId', String(employeeId));
    try {
      const [a, l] = await Promise.all([
        api.get<{ appointments: Appointment[] }>(`/admin/appointments?${query}`),
        api.get<{ locks: Lock[] }>('/admin/locks'),
      ]);
      // Only the newest answer lands: a slower one for a week no longer shown is dropped.
      if (mine !== generation.current) return;
      setAppointments(a.appointments);
      setLocks(l.locks.filter((lock) => lock.date >= from && lock.date <= to && (employeeId === null || lock.employeeId === employeeId)));
      setError(null);
    } catch (e) {
      if (mine === generation.current) setError(errorText(e));
    }
  };
  const soon = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void load.current(), SETTLE_MS);
  };
  const feed = useAdminFeed(api, { onEvent: soon, onLive: soon });

  useEffect(() => {
    setAppointments(null);
    void load.current();
  }, [from, to, employeeId]);

  useEffect(() => {
    if (feed.state === 'live') return;
    const poll = setInterval(() => void load.current(), POLL_MS);
    return () => clearInterval(poll);
  }, [feed.state]);

  useEffect(() => () => clearTimeout(timer.current), []);

  return { appointments, locks, error, feed, reload: () => load.current() };
}
