import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { useWidget } from '../context';
import { explain } from '../errors';
import { loadSession, newIdempotencyKey, sameEmail, saveSession } from '../session';
import type { Details, FlowState } from '../state';
import type { Appointment } from '../types';
import { BackButton, ErrorBox, StepHeading, Summary } from '../ui';
import { Field } from './field';
import { HoldBar } from './hold';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface DetailsStepProps {
  state: FlowState;
  onBack(): void;
  onHoldLost(): void;
  onDone(details: Details, needsCode: boolean, idempotencyKey: string): void;
}

export function DetailsStep({ state, onBack, onHoldLost, onDone }: DetailsStepProps) {
  const { t, api, apiBase } = useWidget();
  const [d, setD] = useState<Details>(state.details);
  const [invalid, setInvalid] = useState<{ name?: string; email?: string }>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const hold = state.hold!;
  const session = loadSession(apiBase);
  const haveSession = !!session && sameEmail(session.email, d.email);
  const set = (k: keyof Details) => (v: string) => setD((cur) => ({ ...cur, [k]: v }));

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const details = { name: d.name.trim(), email: d.email.trim(), phone: d.phone.trim(), notes: d.notes.trim() };
    const bad = {
      name: details.name ? undefined : t.nameRequired,
      email: EMAIL.test(details.email) ? undefined : t.emailInvalid,
    };
    setInvalid(bad);
    if (bad.name || bad.email) {
      form.current?.querySelector<HTMLElement>(bad.name ? '#ae-name' : '#ae-email')?.focus();
      return;
    }
    if (haveSession) {
      onDone(details, false, newIdempotencyKey());
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.sendCode(details.email);
      onDone(details, true, newIdempotencyKey());
    } catch (err) {
      setBusy(false);
      setError(err);
    }
  }

  return (
    <section>
      <BackButton onClick={onBack} />
      <StepHeading>{t.stepDetails}</StepHeading>
      <Summary serviceId={hold.serviceId} employeeId={hold.employeeId} date={hold.date} time={hold.time} start={startOf(state)} />
      <HoldBar endsAt={state.holdEndsAt} onChooseAgain={onHoldLost} />
      <form ref={form} onSubmit={submit} noValidate>
        <Field id="ae-name" label={t.name} value={d.name} onValue={set('name')} autocomplete="name" required error={invalid.name} />
        <Field id="ae-email" label={t.email} type="email" value={d.email} onValue={set('email')} autocomplete="email" required error={invalid.email} />
        <Field id="ae-phone" label={t.phone} hint={t.optional} type="tel" value={d.phone} onValue={set('phone')} autocomplete="tel" />
        <Field id="ae-notes" label={t.notes} hint={t.optional} value={d.notes} onValue={set('notes')} multiline />
        <ErrorBox error={error} />
        <button type="submit" class="ae-btn" aria-busy={busy}>
          {haveSession ? t.continue : t.sendCode}
        </button>
      </form>
    </section>
  );
}

export function startOf(state: FlowState): string {
  return state.hold?.start ?? '';
}

export interface VerifyStepProps {
  state: FlowState;
  onBack(): void;
  onHoldLost(): void;
  onNeedCode(): void;
  onBooked(a: Appointment): void;
}

export function VerifyStep({ state, onBack, onHoldLost, onNeedCode, onBooked }: VerifyStepProps) {
  const { t, api, apiBase } = useWidget();
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [resent, setResent] = useState(false);
  const codeInput = useRef<HTMLDivElement>(null);
  const hold = state.hold!;
  const d = state.details;

  async function resend() {
    setError(null);
    setResent(false);
    try {
      await api.sendCode(d.email);
      onNeedCode();
      setCode('');
      setResent(true);
    } catch (err) {
      setError(err);
    }
  }

  async function confirm(e: Event) {
    e.preventDefault();
    if (busy) return;
    let token = loadSession(apiBase)?.sessionToken;
    if (state.needsCode || !token) {
      if (!/^\d{6}$/.test(code.trim())) {
        setCodeError(t.codeInvalidFormat);
        codeInput.current?.querySelector('input')?.focus();
        return;
      }
    }
    setCodeError(null);
    setError(null);
    setBusy(true);
    try {
      if (state.needsCode || !token) {
        const s = await api.verifyCode(d.email, code.trim());
        saveSession(apiBase, s);
        token = s.sessionToken;
      }
      const appointment = await api.book(
        {
          lockToken: hold.lockToken,
          date: hold.date,
          time: hold.time,
          employeeId: hold.employeeId,
          serviceId: hold.serviceId,
          name: d.name,
          ...(d.phone && { phone: d.phone }),
          ...(d.notes && { notes: d.notes }),
        },
        token!,
        state.idempotencyKey ?? newIdempotencyKey(),
      );
      onBooked(appointment);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.code === 'unauthorized') {
        // The session ended between verifying and booking: a new code is the way on.
        saveSession(apiBase, null);
        onNeedCode();
      }
      if (err instanceof ApiError && err.code === 'invalid_otp') setCodeError(t.errors.invalid_otp);
      setError(err);
    }
  }

  const next = error ? explain(error, t).next : null;
  return (
    <section>
      <BackButton onClick={onBack} />
      <StepHeading>{t.stepVerify}</StepHeading>
      <Summary serviceId={hold.serviceId} employeeId={hold.employeeId} date={hold.date} time={hold.time} start={startOf(state)} />
      <HoldBar endsAt={state.holdEndsAt} onChooseAgain={onHoldLost} />
      <form onSubmit={confirm} noValidate>
        {state.needsCode && (
          <div ref={codeInput}>
            <p>{t.codeSent({ email: d.email })}</p>
            <Field
              id="ae-code"
              label={t.code}
              value={code}
              onValue={setCode}
              inputMode="numeric"
              autocomplete="one-time-code"
              maxLength={6}
              required
              error={codeError}
            />
            <button type="button" class="ae-link" onClick={resend}>
              {t.resend}
            </button>
            {resent && <p role="status">{t.codeSent({ email: d.email })}</p>}
          </div>
        )}
        <ErrorBox
          error={codeError && error instanceof ApiError && error.code === 'invalid_otp' ? null : error}
          actions={
            next === 'chooseTime' ? (
              <button type="button" class="ae-btn ae-secondary" onClick={onHoldLost}>
                {t.chooseTimeAgain}
              </button>
            ) : next === 'newCode' ? (
              <button type="button" class="ae-btn ae-secondary" onClick={resend}>
                {t.resend}
              </button>
            ) : null
          }
        />
        <button type="submit" class="ae-btn" aria-busy={busy}>
          {t.confirm}
        </button>
      </form>
    </section>
  );
}
