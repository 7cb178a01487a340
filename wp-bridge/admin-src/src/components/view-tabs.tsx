// The three ways to look at bookings, as wp-admin's own tabs: the calendar, the live holds
// (admin.php?page=appointease, where the menu's contract says the admin lands) and the list.
import type { Api } from '../api';
import { __ } from '../i18n';

export type View = 'calendar' | 'locks' | 'appointments';

export function ViewTabs({ api, current }: { api: Api; current: View }) {
  const views = api.config.views;
  if (!views) return null;
  const label: Record<View, string> = {
    calendar: __('Calendar', 'appointease-bridge'),
    locks: __('Live locks', 'appointease-bridge'),
    appointments: __('List', 'appointease-bridge'),
  };
  return (
    <nav class="nav-tab-wrapper appointease-tabs" aria-label={__('Booking views', 'appointease-bridge')}>
      {(['calendar', 'locks', 'appointments'] as const).map((view) => (
        <a
          key={view}
          href={views[view]}
          class={view === current ? 'nav-tab nav-tab-active' : 'nav-tab'}
          aria-current={view === current ? 'page' : undefined}
        >
          {label[view]}
        </a>
      ))}
    </nav>
  );
}
