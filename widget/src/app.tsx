import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api';
import type { WidgetConfig } from './attrs';
import { Ctx, type WidgetContext } from './context';
import { visitorZone } from './format';
import { useAnnouncer } from './hooks/use-announcer';
import { useBoot } from './hooks/use-boot';
import { useFlow } from './hooks/use-flow';
import { useHoldRelease } from './hooks/use-hold-release';
import { useLive } from './hooks/use-live';
import type { LocaleChoice } from './i18n';
import { StepView } from './step-view';

/** The widget: start-up, the flow's state, the live socket and hold release around the current step. */
export function App({ config, locale }: { config: WidgetConfig; locale: LocaleChoice }) {
  const t = locale.messages;
  const api = useMemo(() => createApi(config.api), [config.api]);
  const flow = useFlow({ manage: config.view === 'manage', email: config.email });
  const { state } = flow;
  const live = useLive(config.api);
  const { message, announce } = useAnnouncer();
  const boot = useBoot({ api, config, dispatch: flow.dispatch, auto: flow.auto });
  const [myTime, setMyTime] = useState(false);
  useHoldRelease(api, state, flow.current, flow.auto);
  useEffect(() => boot.ensureStaff(state.serviceId), [state.serviceId]);

  const ctx: WidgetContext | null = boot.boot && {
    api,
    apiBase: config.api,
    t,
    locale,
    settings: boot.boot.settings,
    services: boot.boot.services,
    staff: boot.staff?.list ?? [],
    visitorZone: visitorZone(),
    myTime,
    setMyTime,
    now: live.now,
    watch: live.watch,
    listen: live.listen,
    liveStatus: live.status,
    announce,
    mayFocus: flow.mayFocus,
  };

  let body;
  if (boot.fatal) body = <p class="ae-error">{t[boot.fatal]}</p>;
  else if (!ctx) body = boot.error ? <ErrorBoxPlain t={t} error={boot.error} onRetry={boot.retry} /> : <p aria-busy="true">{t.loading}</p>;
  else body = <StepView state={state} staff={boot.staff} dispatch={flow.dispatch} auto={flow.auto} chooseService={boot.chooseService} />;

  const showManageLink = ctx && !boot.fatal && (state.step === 'service' || state.step === 'employee' || (state.step === 'date' && !state.moving));
  return (
    <div class="ae" lang={locale.tag} dir={locale.dir} data-step={state.step} data-live={live.status}>
      {ctx ? <Ctx.Provider value={ctx}>{body}</Ctx.Provider> : body}
      {showManageLink && (
        <p class="ae-foot">
          <button type="button" class="ae-link" onClick={() => flow.dispatch({ type: 'openManage' })}>
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
