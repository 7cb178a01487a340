import { useEffect, useRef } from 'preact/hooks';
import { useWidget } from '../context';
import { slotChanges } from '../slots';
import type { Slot } from '../types';

/** Tell screen readers when a shown time is taken or freed by someone else (not the visitor's own pick). */
export function useSlotAnnouncements(date: string | null, slots: Slot[], ownPick: string | null): void {
  const { t, announce } = useWidget();
  const shown = useRef<{ date: string | null; slots: Slot[] }>({ date: null, slots: [] });
  useEffect(() => {
    const prev = shown.current;
    if (prev.date === date && prev.slots.length) {
      const { gone, back } = slotChanges(prev.slots, slots);
      const msg = [...gone.filter((x) => x !== ownPick).map(t.slotGone), ...back.map(t.slotBack)].join(' ');
      if (msg) announce(msg);
    }
    shown.current = { date, slots };
  }, [slots]);
}
