import { useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { createApi, socketUrl, type Api } from './api';
import type { WidgetConfig } from './attrs';
import { Ctx, type WidgetContext } from './context';
import { visitorZone } from './format';
import type { LocaleChoice } from './i18n';
import { LiveConnection, type LiveHandlers, type LiveStatus } from './live';
import { holdToRelease, initialState, reducer, type Action } from './state';
import type { Hold, Service, Settings, StaffMember } from './types';
import { EmployeeStep, ServiceStep } from './steps/choose';
import { DateStep } from './steps/date';
import { DetailsStep, VerifyStep } from './steps/book';
import { SuccessStep } from './steps/done';
import { ManageStep } from './steps/manage';
import { RescheduleStep } from './steps/reschedule';

const release = (api: Api, h: Hold, keepalive = false) =>
  api.unlock({ date: h.date, time: h.time, employeeId: h.employeeId, lockToken: h.lockToken }, keepalive).catch(() => {
    // Already expired or consumed: the server's TTL frees it anyway.
  });

export function App({ config, locale }: { config: WidgetConfig; locale: LocaleChoice }) {
  const t = locale.messages;
  const api = useMemo(() => createApi(config.api), [config.api]);
  const [boot, setBoot] = useState<{ settings: Settings; services: Service[] } | null>(null);
  const [bootError, setBootError] = useState<unknown>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [staff, setStaff] = useState<{ serviceId: number; list: StaffMember[] } | null>(null);
  const [state, rawDispatch] = useReducer(reducer, undefined, initialState);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>('connecting');
  const [message, setMessage] = useState('');
  const interacted = useRef(false);
  const stateRef = useRef(state);
  stateRef.current = state;

  // Visitor actions count as interaction (headings may take focus); automatic steps do not.
  const dispatch = (a: Action) => {
    interacted.current = true;
    rawDispatch(a);
  };

  const listeners = useRef(new Set<Partial<LiveHandlers>>());
  const live = useMemo(
    () =>
      new LiveConnection(socketUrl(config.api), {
        onEvent: (e) => listeners.current.forEach((l) => l.onEvent?.(e)),
        onSubscribed: (k) => listeners.current.forEach((l) => l.onSubscribed?.(k)),
        onStatus: setLiveStatus,
      }),
    [config.api],
  );
  useEffect(() => {
    live.start();
    return () => live.stop();
  }, [live]);

  async function loadStaff(serviceId: number): Promise<StaffMember[]> {
    const list = await api.staff(serviceId);
    setStaff({ serviceId, list });
    return list;
  }

  async function chooseService(serviceId: number, automatic: boolean) {
    const list = await loadStaff(serviceId);
    let only: number | null = list.length === 1 ? list[0]!.id : null;
    if (automatic && config.employee !== null) {
      if (!list.some((s) => s.id === config.employee)) {
        console.warn(`[appointease-booking] employee ${config.employee} does not offer service ${serviceId}`);
        setFatal(t.serviceNotFound);
        return;
      }
      only = config.employee;
    }
    (automatic ? rawDispatch : dispatch)({ type: 'chooseService', serviceId, skipService: automatic, onlyEmployee: only });
  }

  async function start() {
    setBootError(null);
    try {
      const [settings, services] = await Promise.all([api.settings(), api.services()]);
      setBoot({ settings, services });
      if (config.service !== null) {
        if (!services.some((s) => s.id === config.service)) {
          console.warn(`[appointease-booking] service ${config.service} is not an active service`);
          setFatal(t.serviceNotFound);
          return;
        }
        await chooseService(config.service, true);
      } else if (services.length === 1) {
        await chooseService(services[0]!.id, true);
      }
    } catch (e) {
      setBootError(e);
    }
  }
  useEffect(() => {
    start();
  }, [api]);

  // Staff names for another service (a booking being moved) are loaded on demand.
  useEffect(() => {
    if (state.serviceId !== null && staff?.serviceId !== state.serviceId) loadStaff(state.serviceId).catch(() => {});
  }, [state.serviceId]);

  // Give a hold back as soon as the visitor leaves it behind (back, start over, manage).
  const prev = useRef(state);
  useEffect(() => {
    const h = holdToRelease(prev.current, state);
    prev.current = state;
    if (h) release(api, h);
  }, [state]);

  // Leaving the page (or the element being removed) releases the hold; keepalive lets
  // the request outlive the page. A page restored from the back/forward cache lost it.
  useEffect(() => {
    const onHide = () => {
      const h = stateRef.current.hold;
      if (h) release(api, h, true);
    };
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted && stateRef.current.hold) rawDispatch({ type: 'holdLost' });
    };
    addEventListener('pagehide', onHide);
    addEventListener('pageshow', onShow);
    return () => {
      removeEventListener('pagehide', onHide);
      removeEventListener('pageshow', onShow);
      onHide();
    };
  }, [api]);

  const ctx: WidgetContext | null = boot && {
    api,
    apiBase: config.api,
    t,
    locale,
    settings: boot.settings,
    services: boot.services,
    staff: staff?.list ?? [],
    visitorZone: visitorZone(),
    watch: (keys) => live.setSubscriptions(keys),
    listen: (l) => {
      listeners.current.add(l);
      return () => listeners.current.delete(l);
    },
    liveStatus,
    announce: (text) => {
      // Clearing first makes a repeated identical message be read again.
      setMessage('');
      setTimeout(() => setMessage(text), 50);
    },
    mayFocus: () => interacted.current,
  };

  let body;
  if (fatal) body = <p class="ae-error">{fatal}</p>;
  else if (!ctx) {
    body = bootError ? (
      <ErrorBoxPlain t={t} error={bootError} onRetry={start} />
    ) : (
      <p aria-busy="true">{t.loading}</p>
    );
  } else body = renderStep();

  function renderStep() {
    const s = state;
    const back = () => dispatch({ type: 'back' });
    const holdLost = () => dispatch({ type: 'holdLost' });
    const held = (hold: Hold) => dispatch({ type: 'held', hold, now: Date.now() });
    const employeeIds =
      s.employee === 'any' ? (staff?.serviceId === s.serviceId ? staff.list.map((x) => x.id) : []) : s.employee !== null ? [s.employee] : [];
    switch (s.step) {
      case 'service':
        return <ServiceStep onChoose={(id) => chooseService(id, false).catch((e) => setBootError(e))} />;
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
            onDate={(date) => rawDispatch({ type: 'chooseDate', date })}
            onHeld={held}
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
            onNeedCode={() => rawDispatch({ type: 'needCode' })}
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
        return (
          <ManageStep
            email={s.details.email}
            onBack={back}
            onReschedule={(appointment) => dispatch({ type: 'reschedule', appointment })}
          />
        );
    }
  }

  const showManageLink = ctx && !fatal && (state.step === 'service' || state.step === 'employee' || (state.step === 'date' && !state.moving));
  return (
    <div class="ae" lang={locale.tag} data-step={state.step} data-live={liveStatus}>
      {ctx ? <Ctx.Provider value={ctx}>{body}</Ctx.Provider> : body}
      {showManageLink && (
        <p class="ae-foot">
          <button type="button" class="ae-link" onClick={() => dispatch({ type: 'openManage' })}>
            {t.manage}
          </button>
        </p>
      )}
      <div class="ae-sr" role="status" aria-live="polite" aria-atomic="true">
        {message}
      </div>
    </div>
  );
}

/** The start-up error has no context yet (settings failed), so it takes the strings directly. */
function ErrorBoxPlain({ t, error, onRetry }: { t: LocaleChoice['messages']; error: unknown; onRetry(): void }) {
  const text = (error as { code?: string })?.code === 'network' ? t.errors.network : t.errors.generic;
  return (
    <div class="ae-error" role="alert">
      <p>{text}</p>
      <button type="button" class="ae-btn" onClick={onRetry}>
        {t.retry}
      </button>
    </div>
  );
}
