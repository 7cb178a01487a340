import { useState } from 'preact/hooks';
import { useWidget } from '../context';
import { explain } from '../errors';
import { addDays, todayIn } from '../format';
import { useDaySlots } from '../hooks/use-day-slots';
import { useHoldPicker } from '../hooks/use-hold-picker';
import { useMonthView } from '../hooks/use-month-view';
import { useSlotAnnouncements } from '../hooks/use-slot-announcements';
import type { Geometry } from '../slots';
import type { Hold } from '../types';
import { BackButton, ErrorBox, StepHeading } from '../ui';
import { MonthGrid } from './month-grid';
import { SlotList } from './slot-list';

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

/** Choosing a day in the month view, then a time of that day, which is held at once. */
export function DateStep(p: DateStepProps) {
  const { t, settings, services, liveStatus } = useWidget();
  const service = services.find((s) => s.id === p.serviceId);
  const geo: Geometry = {
    slotInterval: settings.slotInterval || 15,
    duration: service?.duration ?? settings.slotInterval,
    bufferBefore: service?.bufferBefore ?? 0,
    bufferAfter: service?.bufferAfter ?? 0,
  };
  const today = todayIn(settings.timezone);
  const lastDay = addDays(today, settings.maxAdvanceDays ?? 365);
  const [error, setError] = useState<unknown>(null);

  const day = useDaySlots({ serviceId: p.serviceId, employeeIds: p.employeeIds, geo, onDate: p.onDate, onError: setError });
  const view = useMonthView({
    serviceId: p.serviceId,
    employeeIds: p.employeeIds,
    today,
    lastDay,
    initialDate: p.initialDate,
    selectDay: day.select,
    onError: setError,
  });
  const picker = useHoldPicker({
    serviceId: p.serviceId,
    employeeIds: p.employeeIds,
    date: day.date,
    onHeld: p.onHeld,
    onError: setError,
    onRefused: day.refetchAll,
  });
  useSlotAnnouncements(day.date, day.slots, picker.busy);

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
            <button type="button" class="ae-btn ae-secondary" onClick={() => (day.date ? day.select(day.date) : view.open())}>
              {t.retry}
            </button>
          )
        }
      />
      {view.month && (
        <MonthGrid
          month={view.month}
          days={view.days}
          selected={day.date}
          today={today}
          lastDay={lastDay}
          onMonth={(m) => view.show(m)}
          onSelect={(d) => day.select(d)}
        />
      )}
      {!view.month && !error && <p aria-busy="true">{t.loading}</p>}
      {day.date ? (
        <SlotList date={day.date} slots={day.slots} loading={day.loading} busy={picker.busy} onPick={picker.pick} />
      ) : (
        view.days && <p class="ae-muted">{t.pickDay}</p>
      )}
    </section>
  );
}
