import { useWidget } from '../context';
import { clockIn, clocksDiffer, dayIn, formatDay, visitorTime, zoneCity } from '../format';
import type { MergedSlot } from '../slots';
import type { SlotStatus } from '../types';

export interface SlotListProps {
  date: string;
  slots: MergedSlot[];
  loading: boolean;
  /** The time being held right now (its button shows busy; all wait). */
  busy: string | null;
  onPick(slot: MergedSlot): void;
}

/**
 * The times of the chosen day. Times that can never be booked (past, or too
 * soon for the minimum notice) are left out; taken and held ones stay in place
 * as disabled buttons with their reason as description, so focus is never
 * lost when a time flips under the visitor. A button is named by its time
 * alone (`09:00`, CONTRACT §9): the business clock, or the visitor's own when
 * they asked for it, the other clock then being its description.
 */
export function SlotList(p: SlotListProps) {
  const { t, locale, settings, visitorZone, myTime, setMyTime, now } = useWidget();
  const business = settings.timezone;
  const at = now();
  const notice = (settings.minNoticeMinutes ?? 0) * 60_000;
  // The sidecar's "available" is trusted even inside the notice (clocks differ a little); anything
  // else that close is never going to be bookable.
  const visible = p.slots.filter((s) => {
    const start = Date.parse(s.start);
    return !(start < at) && !(s.status !== 'available' && start < at + notice);
  });
  const differ = clocksDiffer(p.date, business, visitorZone) || visible.some((s) => visitorTime(s, visitorZone));
  const mine = myTime && differ;
  const city = zoneCity(business);
  const myCity = zoneCity(visitorZone);
  const reason: Record<Exclude<SlotStatus, 'available'>, string> = { booked: t.reasonBooked, locked: t.reasonLocked, unavailable: t.reasonBlocked };
  const idOf = (s: MergedSlot, what: string) => `ae-${what}-${s.time.replace(':', '')}`;

  return (
    <div class="ae-times">
      <h3>{t.timesFor({ day: formatDay(p.date, locale.tag) })}</h3>
      <div class="ae-zone">
        <p class="ae-muted ae-small">{mine ? t.myTimeNote({ city: myCity, business: city }) : t.zoneNote({ city })}</p>
        {differ && (
          <button type="button" class="ae-toggle" aria-pressed={mine ? 'true' : 'false'} onClick={() => setMyTime(!mine)}>
            {t.showMyTime({ city: myCity })}
          </button>
        )}
      </div>
      {p.loading && !visible.length ? (
        <p aria-busy="true">{t.loading}</p>
      ) : visible.length ? (
        <ul class="ae-slots">
          {visible.map((s) => {
            const taken = s.status !== 'available';
            const shown = mine ? clockIn(s.start, visitorZone) : s.time;
            const theirDay = mine ? dayIn(s.start, visitorZone) : p.date;
            const notes = [
              mine && { id: idOf(s, 'bt'), text: t.zoneTime({ time: s.time, city }) },
              theirDay !== p.date && { id: idOf(s, 'day'), text: formatDay(theirDay, locale.tag, 'short') },
              taken && { id: idOf(s, 'why'), text: reason[s.status as Exclude<SlotStatus, 'available'>], why: true },
            ].filter((n): n is { id: string; text: string; why?: boolean } => !!n);
            return (
              <li key={s.time}>
                <button
                  type="button"
                  class="ae-slot"
                  aria-disabled={taken || p.busy !== null ? 'true' : undefined}
                  aria-busy={p.busy === s.time ? 'true' : undefined}
                  aria-describedby={notes.map((n) => n.id).join(' ') || undefined}
                  data-status={s.status}
                  data-time={s.time}
                  onClick={() => p.onPick(s)}
                >
                  {shown}
                </button>
                {notes.map((n) => (
                  <span key={n.id} id={n.id} class={n.why ? 'ae-local ae-why' : 'ae-local'}>
                    {n.text}
                  </span>
                ))}
              </li>
            );
          })}
        </ul>
      ) : (
        !p.loading && <p class="ae-muted">{t.noTimes}</p>
      )}
    </div>
  );
}
