import { useWidget } from '../context';
import { formatDay, visitorTime } from '../format';
import type { MergedSlot } from '../slots';

export interface SlotListProps {
  date: string;
  slots: MergedSlot[];
  loading: boolean;
  /** The time being held right now (its button shows busy; all wait). */
  busy: string | null;
  onPick(slot: MergedSlot): void;
}

/**
 * The times of the chosen day. Taken times stay in place as disabled buttons,
 * so focus is never lost when a time flips under the visitor; each button is
 * named by its business-zone time, the visitor's own clock is its description.
 */
export function SlotList(p: SlotListProps) {
  const { t, locale, settings, visitorZone } = useWidget();
  const now = Date.now();
  const visible = p.slots.filter((s) => !(Date.parse(s.start) < now));
  const zonesDiffer = visible.some((s) => visitorTime(s, visitorZone));

  return (
    <div class="ae-times">
      <h3>{t.timesFor(formatDay(p.date, locale.tag))}</h3>
      {zonesDiffer && <p class="ae-muted ae-small">{t.zoneNote(settings.timezone)}</p>}
      {p.loading && !visible.length ? (
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
                  aria-disabled={taken || p.busy !== null ? 'true' : undefined}
                  aria-busy={p.busy === s.time ? 'true' : undefined}
                  aria-describedby={other ? `ae-lt-${s.time}` : undefined}
                  data-status={s.status}
                  onClick={() => p.onPick(s)}
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
        !p.loading && <p class="ae-muted">{t.noTimes}</p>
      )}
    </div>
  );
}
