import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { type Api, errorText } from './api';
import type { Service, Staff } from './types';

export function Notice({ kind = 'error', children }: { kind?: 'error' | 'success' | 'warning' | 'info'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind} inline`} role={kind === 'error' ? 'alert' : 'status'}>
      <p>{children}</p>
    </div>
  );
}

/** The error notices of a page's loads and actions, the ones that are set. */
export function Notices({ errors }: { errors: Array<string | null | undefined> }) {
  return (
    <>
      {errors.map((e, i) => e && <Notice key={i}>{e}</Notice>)}
    </>
  );
}

/** Loads something once (and again on reload()), keeping loading/error state. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(() => {
    setLoading(true);
    return load()
      .then((value) => {
        setData(value);
        setError(null);
      })
      .catch((e) => setError(errorText(e)))
      .finally(() => setLoading(false));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}

/** Services and staff, for showing names instead of ids. */
export function useCatalogue(api: Api) {
  const services = useLoad(() => api.get<{ services: Service[] }>('/admin/services').then((r) => r.services));
  const staff = useLoad(() => api.get<{ staff: Staff[] }>('/admin/staff').then((r) => r.staff));
  const serviceName = (id: number) => services.data?.find((s) => s.id === id)?.name ?? `#${id}`;
  const staffName = (id: number) => staff.data?.find((s) => s.id === id)?.name ?? `#${id}`;
  return { services, staff, serviceName, staffName };
}

/** Runs an action, reporting its failure; returns whether it succeeded. */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run, setError };
}

/** Dates in the administrator's language, in the browser's zone; '—' for none. */
export function dateFormatter(locale: string): (iso: string | null) => string {
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
  } catch {
    f = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }
  return (iso) => {
    if (!iso) return '—';
    const t = Date.parse(iso);
    return Number.isNaN(t) ? iso : f.format(t);
  };
}
