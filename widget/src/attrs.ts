export interface WidgetConfig {
  api: string;
  service: number | null;
  employee: number | null;
  locale: string | null;
  /** `view="manage"`: open on "Manage my bookings" (the page behind the mails' manage link). */
  view: 'book' | 'manage';
  /** `email`: the address the manage view starts with (only with view="manage"). */
  email: string | null;
}

export type ParsedAttrs = { ok: true; config: WidgetConfig; warnings: string[] } | { ok: false; problems: string[] };

function positiveInt(name: string, v: string | null, problems: string[]): number | null {
  if (v === null || v.trim() === '') return null;
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1) {
    problems.push(`attribute ${name}="${v}" must be a positive whole number`);
    return null;
  }
  return Number(v);
}

/**
 * Read `<appointease-booking api service employee locale>`. `fallbackApi` is the
 * origin the script itself came from, used when the page left `api` out.
 */
export function parseAttrs(get: (name: string) => string | null, fallbackApi: string | null): ParsedAttrs {
  const problems: string[] = [];
  const warnings: string[] = [];
  const rawApi = get('api')?.trim() || fallbackApi;
  let api = '';
  if (!rawApi) {
    problems.push('attribute api is missing (the sidecar URL, e.g. api="https://book.example.com")');
  } else {
    try {
      const u = new URL(rawApi);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      api = u.origin + u.pathname.replace(/\/+$/, '');
    } catch {
      problems.push(`attribute api="${rawApi}" is not an http(s) URL`);
    }
  }
  const service = positiveInt('service', get('service'), problems);
  const employee = positiveInt('employee', get('employee'), problems);
  if (employee !== null && service === null && !problems.length) {
    warnings.push('attribute employee is used only together with service');
  }
  const rawView = get('view')?.trim() || null;
  if (rawView !== null && rawView !== 'manage' && rawView !== 'book') warnings.push(`attribute view="${rawView}" is not "manage"; ignored`);
  const view = rawView === 'manage' ? 'manage' : 'book';
  const rawEmail = get('email')?.trim() || null;
  if (rawEmail !== null && view !== 'manage') warnings.push('attribute email is used only together with view="manage"');
  const email = view === 'manage' && rawEmail !== null && rawEmail.length <= 190 ? rawEmail : null;
  if (problems.length) return { ok: false, problems };
  return { ok: true, config: { api, service, employee: service === null ? null : employee, locale: get('locale'), view, email }, warnings };
}
