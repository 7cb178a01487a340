import { useEffect, useRef } from 'preact/hooks';
import { useWidget } from '../context';
import { clockIn } from '../format';
import { slotChanges } from '../slots';
import type { Slot } from '../types';

/**
 * Tell screen readers when a shown time is taken or freed by someone else (not
 * the visitor's own pick), by the clock its button shows.
 */
export function useSlotAnnouncements(date: string | null, slots: Slot[], ownPick: string | null): void {
  const { t, announce, myTime, visitorZone } = useWidget();
  const shown = useRef<{ date: string | null; slots: Slot[] }>({ date: null, slots: [] });
  useEffect(() => {
    const prev = shown.current;
    if (prev.date === date && prev.slots.length) {
      const label = (time: string) => {
        const s = myTime ? slots.find((x) => x.time === time) : undefined;
        return s ? clockIn(s.start, visitorZone) : time;
      };
      const { gone, back } = slotChanges(prev.slots, slots);
      const msg = [
        ...gone.filter((x) => x !== ownPick).map((time) => t.slotGone({ time: label(time) })),
        ...back.map((time) => t.slotBack({ time: label(time) })),
      ].join(' ');
      if (msg) announce(msg);
    }
    shown.current = { date, slots };
  }, [slots]);
}
