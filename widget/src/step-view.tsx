import { useWidget } from './context';
import type { Action, FlowState } from './state';
import type { StaffMember } from './types';
import { DetailsStep, VerifyStep } from './steps/book';
import { EmployeeStep, ServiceStep } from './steps/choose';
import { DateStep } from './steps/date';
import { SuccessStep } from './steps/done';
import { ManageStep } from './steps/manage';
import { RescheduleStep } from './steps/reschedule';

export interface StepViewProps {
  state: FlowState;
  /** Staff of the service being booked, once loaded ("any available" shows them all). */
  staff: { serviceId: number; list: StaffMember[] } | null;
  dispatch(a: Action): void;
  /** For steps the widget takes by itself (they do not count as the visitor's action). */
  auto(a: Action): void;
  chooseService(id: number): void;
}

/** The current step of the flow, wired to the flow's actions. */
export function StepView({ state: s, staff, dispatch, auto, chooseService }: StepViewProps) {
  const { t } = useWidget();
  const back = () => dispatch({ type: 'back' });
  const holdLost = () => dispatch({ type: 'holdLost' });
  const employeeIds =
    s.employee === 'any' ? (staff?.serviceId === s.serviceId ? staff.list.map((x) => x.id) : []) : s.employee !== null ? [s.employee] : [];
  switch (s.step) {
    case 'service':
      return <ServiceStep onChoose={chooseService} />;
    case 'employee':
      return <EmployeeStep onChoose={(employee) => dispatch({ type: 'chooseEmployee', employee })} onBack={s.skipService ? null : back} />;
    case 'date':
      if (!employeeIds.length || s.serviceId === null) return <p aria-busy="true">{t.loading}</p>;
      return (
        <DateStep
          key={`${s.serviceId}:${employeeIds.join(',')}`}
          serviceId={s.serviceId}
          employeeIds={employeeIds}
          initialDate={s.date}
          onDate={(date) => auto({ type: 'chooseDate', date })}
          onHeld={(hold) => dispatch({ type: 'held', hold, now: Date.now() })}
          onBack={s.moving || !s.skipEmployee || !s.skipService ? back : null}
          note={s.moving ? `${t.reschedule}: ${s.moving.reference}` : undefined}
        />
      );
    case 'details':
      return (
        <DetailsStep
          state={s}
          onBack={back}
          onHoldLost={holdLost}
          onDone={(details, needsCode, idempotencyKey) => dispatch({ type: 'detailsDone', details, needsCode, idempotencyKey })}
        />
      );
    case 'verify':
      return (
        <VerifyStep
          state={s}
          onBack={back}
          onHoldLost={holdLost}
          onNeedCode={() => auto({ type: 'needCode' })}
          onBooked={(appointment) => dispatch({ type: 'booked', appointment })}
        />
      );
    case 'reschedule':
      return (
        <RescheduleStep
          moving={s.moving!}
          hold={s.hold!}
          endsAt={s.holdEndsAt}
          onBack={back}
          onHoldLost={holdLost}
          onManage={() => dispatch({ type: 'openManage' })}
          onMoved={(appointment) => dispatch({ type: 'booked', appointment })}
        />
      );
    case 'success':
      return (
        <SuccessStep
          appointment={s.appointment!}
          moved={!!s.moving}
          onManage={() => dispatch({ type: 'openManage' })}
          onAgain={() => dispatch({ type: 'restart' })}
        />
      );
    case 'manage':
      return <ManageStep email={s.details.email} onBack={back} onReschedule={(appointment) => dispatch({ type: 'reschedule', appointment })} />;
  }
}
