import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api';
import type { WidgetConfig } from '../attrs';
import type { Action } from '../state';
import type { Service, Settings, StaffMember } from '../types';

const warn = (msg: string) => console.warn(`[appointease-booking] ${msg}`);

/**
 * Start-up: settings and services, then the service (and employee) the page
 * fixed by attribute or that is the only choice, chosen automatically. Staff
 * of a service are loaded when it is chosen.
 */
export function useBoot(o: { api: Api; config: WidgetConfig; dispatch(a: Action): void; auto(a: Action): void }) {
  const { api, config } = o;
  const [boot, setBoot] = useState<{ settings: Settings; services: Service[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The one start-up failure that no retry mends: the page names a service or employee that cannot be booked.
  const [fatal, setFatal] = useState<'serviceNotFound' | null>(null);
  const [staff, setStaff] = useState<{ serviceId: number; list: StaffMember[] } | null>(null);

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
        warn(`employee ${config.employee} does not offer service ${serviceId}`);
        setFatal('serviceNotFound');
        return;
      }
      only = config.employee;
    }
    (automatic ? o.auto : o.dispatch)({ type: 'chooseService', serviceId, skipService: automatic, onlyEmployee: only });
  }

  async function start() {
    setError(null);
    try {
      const [settings, services] = await Promise.all([api.settings(), api.services()]);
      setBoot({ settings, services });
      if (config.service !== null) {
        if (!services.some((s) => s.id === config.service)) {
          warn(`service ${config.service} is not an active service`);
          setFatal('serviceNotFound');
          return;
        }
        await chooseService(config.service, true);
      } else if (services.length === 1) {
        await chooseService(services[0]!.id, true);
      }
    } catch (e) {
      setError(e);
    }
  }
  useEffect(() => {
    start();
  }, [api]);

  return {
    boot,
    error,
    fatal,
    staff,
    retry: start,
    /** The visitor chose a service; a failure shows as the start-up error with its retry. */
    chooseService: (id: number) => chooseService(id, false).catch((e) => setError(e)),
    /** Staff names for another service (a booking being moved) are loaded on demand. */
    ensureStaff(serviceId: number | null) {
      if (serviceId !== null && staff?.serviceId !== serviceId) loadStaff(serviceId).catch(() => {});
    },
  };
}
