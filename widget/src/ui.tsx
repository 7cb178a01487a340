import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useWidget } from './context';
import { explain } from './errors';
import { dayIn, formatCountdown, formatDay, visitorTime, zoneCity } from './format';

/** Each step opens with its heading; it takes focus so screen readers hear where they are. */
export function StepHeading({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const { mayFocus } = useWidget();
  useEffect(() => {
    if (mayFocus()) ref.current?.focus();
  }, []);
  return (
    <h2 ref={ref} tabIndex={-1} class="ae-h">
      {children}
    </h2>
  );
}

export function BackButton({ onClick }: { onClick(): void }) {
  const { t } = useWidget();
  return (
    <button type="button" class="ae-link ae-back" onClick={onClick}>
      <span aria-hidden="true" class="ae-flip">←</span>{' '}
      {t.back}
    </button>
  );
}

export function ErrorBox({ error, actions }: { error: unknown; actions?: ComponentChildren }) {
  const { t } = useWidget();
  if (!error) return null;
  return (
    <div class="ae-error" role="alert">
      <p>{typeof error === 'string' ? error : explain(error, t).text}</p>
      {actions}
    </div>
  );
}

export function Countdown({ endsAt, onExpired }: { endsAt: number; onExpired(): void }) {
  const { t } = useWidget();
  const [now, setNow] = useState(Date.now());
  const left = endsAt - now;
  useEffect(() => {
    if (left <= 0) {
      onExpired();
      return;
    }
    const id = setTimeout(() => setNow(Date.now()), Math.min(1000, left));
    return () => clearTimeout(id);
  }, [now, endsAt]);
  return (
    // role=timer is not announced on every tick; the text stays readable on demand.
    <p class="ae-hold" role="timer">
      {t.held({ time: formatCountdown(left) })}
    </p>
  );
}

/**
 * Service, person, day and time of what is being booked, on the business clock
 * named by its city; when the visitor's clock differs, theirs too (with their
 * day, when the two days differ).
 */
export function Summary(p: { serviceId: number | null; employeeId?: number | null; date: string; time: string; start: string; reference?: string }) {
  const { t, services, staff, locale, settings, visitorZone } = useWidget();
  const service = services.find((s) => s.id === p.serviceId);
  const who = staff.find((s) => s.id === p.employeeId);
  const other = p.start ? visitorTime(p, visitorZone) : null;
  const theirDay = other ? dayIn(p.start, visitorZone) : p.date;
  return (
    <dl class="ae-summary">
      {p.reference && (
        <>
          <dt>{t.reference}</dt>
          <dd class="ae-ref">{p.reference}</dd>
        </>
      )}
      <dt class="ae-sr">{t.stepService}</dt>
      <dd>
        <strong>{service?.name}</strong>
        {service && ` · ${t.minutes(service.duration)}`}
        {who && ` · ${t.with({ name: who.name })}`}
      </dd>
      <dt class="ae-sr">{t.stepDate}</dt>
      <dd class="ae-when">
        {formatDay(p.date, locale.tag)}, {t.zoneTime({ time: p.time, city: zoneCity(settings.timezone) })}
        {other && (
          <span class="ae-muted">
            {' · '}
            {theirDay !== p.date && `${formatDay(theirDay, locale.tag, 'short')}, `}
            {t.yourTime({ time: other })} ({zoneCity(visitorZone)})
          </span>
        )}
      </dd>
    </dl>
  );
}
