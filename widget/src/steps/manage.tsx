import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { useWidget } from '../context';
import { explain } from '../errors';
import { formatDay, zoneCity } from '../format';
import { loadSession, saveSession } from '../session';
import type { Appointment } from '../types';
import { BackButton, ErrorBox, StepHeading } from '../ui';
import { Field } from './field';

export interface ManageStepProps {
  email: string;
  onBack(): void;
  onReschedule(a: Appointment): void;
}

/** "Manage my bookings": prove the email with a code, then list, cancel or move bookings. */
export function ManageStep(p: ManageStepProps) {
  const { t, api, apiBase, services, locale, settings } = useWidget();
  const [token, setToken] = useState(() => loadSession(apiBase)?.sessionToken ?? null);
  const [email, setEmail] = useState(p.email);
  const [code, setCode] = useState('');
  const [codeSent, setCodeSent] = useState(false);
  const [list, setList] = useState<Appointment[] | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // A ref, not the state: a render can fall between two awaited steps of one action.
  const running = useRef(false);
  async function run(fn: () => Promise<void>) {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unauthorized') {
        saveSession(apiBase, null);
        setToken(null);
        setList(null);
      }
      setError(err);
    } finally {
      running.current = false;
      setBusy(false);
    }
  }

  // A session from earlier in this tab shows the list straight away.
  useEffect(() => {
    if (token && list === null) run(async () => setList(await api.appointments(token)));
  }, []);

  const sendCode = (e?: Event) => {
    e?.preventDefault();
    return run(async () => {
      await api.sendCode(email.trim());
      setCodeSent(true);
    });
  };
  const verify = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      const s = await api.verifyCode(email.trim(), code.trim());
      saveSession(apiBase, s);
      setList(await api.appointments(s.sessionToken));
      setToken(s.sessionToken);
    });
  };
  const cancel = (ref: string) =>
    run(async () => {
      await api.cancel(ref, token!);
      setConfirming(null);
      setList(await api.appointments(token!));
    });
  const signOut = () =>
    run(async () => {
      await api.endSession(token!).catch(() => {});
      saveSession(apiBase, null);
      setToken(null);
      setList(null);
      setCodeSent(false);
      setCode('');
    });

  const next = error ? explain(error, t).next : null;
  const errorBox = (
    <ErrorBox
      error={error}
      actions={
        next === 'newCode' ? (
          <button type="button" class="ae-btn ae-secondary" onClick={() => sendCode()}>
            {t.resend}
          </button>
        ) : null
      }
    />
  );

  const today = new Date().toISOString();
  return (
    <section>
      <BackButton onClick={p.onBack} />
      <StepHeading>{t.stepManage}</StepHeading>
      {!token ? (
        <>
          <form onSubmit={sendCode} noValidate>
            <p>{t.manageIntro}</p>
            <Field id="ae-m-email" label={t.email} type="email" autocomplete="email" value={email} onValue={setEmail} required />
            <button type="submit" class="ae-btn" aria-busy={busy}>
              {t.sendCode}
            </button>
          </form>
          {codeSent && (
            <form onSubmit={verify} noValidate>
              <p role="status">{t.codeSent({ email })}</p>
              <Field id="ae-m-code" label={t.code} inputMode="numeric" autocomplete="one-time-code" maxLength={6} value={code} onValue={setCode} required />
              <button type="submit" class="ae-btn" aria-busy={busy}>
                {t.showBookings}
              </button>
            </form>
          )}
          {errorBox}
        </>
      ) : (
        <>
          {errorBox}
          {list === null ? (
            <p aria-busy="true">{t.loading}</p>
          ) : list.length === 0 ? (
            <p>{t.noBookings}</p>
          ) : (
            <ul class="ae-bookings">
              {list.map((a) => {
                const what = `${formatDay(a.date, locale.tag)}, ${t.zoneTime({ time: a.time, city: zoneCity(settings.timezone) })}`;
                const active = a.status !== 'cancelled' && a.end > today;
                return (
                  <li key={a.reference} class="ae-booking">
                    <p>
                      <strong>{what}</strong> · {services.find((s) => s.id === a.serviceId)?.name}
                      <br />
                      <span class="ae-muted">
                        {a.reference}
                        {a.status === 'cancelled' && ` · ${t.cancelled}`}
                      </span>
                    </p>
                    {active &&
                      (confirming === a.reference ? (
                        <div class="ae-actions">
                          <span>{t.cancelConfirm({ what })}</span>
                          <button type="button" class="ae-btn ae-danger" onClick={() => cancel(a.reference)}>
                            {t.yesCancel}
                          </button>
                          <button type="button" class="ae-btn ae-secondary" onClick={() => setConfirming(null)}>
                            {t.keep}
                          </button>
                        </div>
                      ) : (
                        <div class="ae-actions">
                          <button type="button" class="ae-btn ae-secondary" onClick={() => p.onReschedule(a)}>
                            {t.reschedule}
                          </button>
                          <button type="button" class="ae-btn ae-secondary" onClick={() => setConfirming(a.reference)}>
                            {t.cancel}
                          </button>
                        </div>
                      ))}
                  </li>
                );
              })}
            </ul>
          )}
          <button type="button" class="ae-link" onClick={signOut}>
            {t.signOut}
          </button>
        </>
      )}
    </section>
  );
}
