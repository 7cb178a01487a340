import { useState } from 'preact/hooks';
import { useWidget } from '../context';
import { explain } from '../errors';
import { formatDay, zoneCity } from '../format';
import { loadSession } from '../session';
import type { Appointment, Hold } from '../types';
import { BackButton, ErrorBox, StepHeading, Summary } from '../ui';
import { HoldBar } from './hold';

export interface RescheduleStepProps {
  moving: Appointment;
  hold: Hold;
  endsAt: number | null;
  onBack(): void;
  onHoldLost(): void;
  onManage(): void;
  onMoved(a: Appointment): void;
}

/** Moving a booking: the new time is held like a new booking, then PATCHed onto the old one. */
export function RescheduleStep(p: RescheduleStepProps) {
  const { t, api, apiBase, locale, settings } = useWidget();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function confirm() {
    if (busy) return;
    const token = loadSession(apiBase)?.sessionToken;
    if (!token) {
      p.onManage();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const a = await api.reschedule(
        p.moving.reference,
        { lockToken: p.hold.lockToken, date: p.hold.date, time: p.hold.time, employeeId: p.hold.employeeId },
        token,
      );
      p.onMoved(a);
    } catch (err) {
      setBusy(false);
      setError(err);
    }
  }

  const next = error ? explain(error, t).next : null;
  return (
    <section>
      <BackButton onClick={p.onBack} />
      <StepHeading>{t.stepReschedule}</StepHeading>
      <p class="ae-muted">
        {p.moving.reference}: <s>{formatDay(p.moving.date, locale.tag)}, {t.zoneTime({ time: p.moving.time, city: zoneCity(settings.timezone) })}</s>
      </p>
      <Summary serviceId={p.hold.serviceId} employeeId={p.hold.employeeId} date={p.hold.date} time={p.hold.time} start={p.hold.start ?? ''} />
      <HoldBar endsAt={p.endsAt} onChooseAgain={p.onHoldLost} />
      <ErrorBox
        error={error}
        actions={
          next === 'chooseTime' ? (
            <button type="button" class="ae-btn ae-secondary" onClick={p.onHoldLost}>
              {t.chooseTimeAgain}
            </button>
          ) : next === 'newCode' ? (
            <button type="button" class="ae-btn ae-secondary" onClick={p.onManage}>
              {t.manage}
            </button>
          ) : null
        }
      />
      <button type="button" class="ae-btn" aria-busy={busy} onClick={confirm}>
        {t.confirmReschedule}
      </button>
    </section>
  );
}
