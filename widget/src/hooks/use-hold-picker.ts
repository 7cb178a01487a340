import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { useWidget } from '../context';
import type { MergedSlot } from '../slots';
import type { Hold } from '../types';

/**
 * Holding a chosen time. With "any available" the hold is tried with each
 * employee free at that time in turn, since someone else may have taken one.
 */
export function useHoldPicker(o: {
  serviceId: number;
  employeeIds: number[];
  date: string | null;
  onHeld(hold: Hold): void;
  onError(error: unknown): void;
  /** A refusal means the shown times are stale. */
  onRefused(): void;
}) {
  const { api } = useWidget();
  const [busy, setBusy] = useState<string | null>(null);

  async function pick(s: MergedSlot) {
    if (busy || s.status !== 'available' || !o.date) return;
    setBusy(s.time);
    o.onError(null);
    let last: unknown = null;
    for (const employeeId of s.employees.length ? s.employees : o.employeeIds) {
      try {
        const hold = await api.lock({ date: o.date, time: s.time, employeeId, serviceId: o.serviceId });
        o.onHeld({ ...hold, start: s.start });
        return;
      } catch (e) {
        last = e;
        if (!(e instanceof ApiError && e.code === 'slot_unavailable')) break;
      }
    }
    setBusy(null);
    o.onError(last);
    o.onRefused();
  }

  return { busy, pick };
}
