import { useMemo } from 'preact/hooks';
import { useWidget } from '../context';
import { formatDay, zoneCity } from '../format';
import { buildIcs, icsDataUrl } from '../ics';
import type { Appointment } from '../types';
import { StepHeading, Summary } from '../ui';

export function SuccessStep(p: { appointment: Appointment; moved: boolean; onManage(): void; onAgain(): void }) {
  const { t, services, staff, locale, settings } = useWidget();
  const a = p.appointment;
  const href = useMemo(() => {
    const service = services.find((s) => s.id === a.serviceId)?.name ?? t.title;
    const who = staff.find((s) => s.id === a.employeeId)?.name;
    return icsDataUrl(
      buildIcs({
        reference: a.reference,
        start: a.start,
        end: a.end,
        summary: who ? `${service} (${t.with({ name: who })})` : service,
        // The business clock in words beside the UTC times: no calendar app can misread the booking.
        description: `${t.reference}: ${a.reference}\n${formatDay(a.date, locale.tag)}, ${t.zoneTime({ time: a.time, city: zoneCity(settings.timezone) })}`,
      }),
    );
  }, [a]);
  return (
    <section>
      <StepHeading>{p.moved ? t.rescheduled : t.stepSuccess}</StepHeading>
      <Summary serviceId={a.serviceId} employeeId={a.employeeId} date={a.date} time={a.time} start={a.start} reference={a.reference} />
      <p class="ae-actions">
        <a class="ae-btn" href={href} download={`${a.reference}.ics`}>
          {t.addToCalendar}
        </a>
        <button type="button" class="ae-btn ae-secondary" onClick={p.onManage}>
          {t.manage}
        </button>
        <button type="button" class="ae-link" onClick={p.onAgain}>
          {t.bookAnother}
        </button>
      </p>
    </section>
  );
}
