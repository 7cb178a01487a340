// Entry of the wp-admin bundle: mounts the page named by data-page on #appointease-admin.
import { render } from 'preact';
import { Api, type AdminConfig } from './api';
import { AppointmentsPage } from './pages/appointments';
import { BusinessSettingsPage } from './pages/business-settings';
import { CalendarPage } from './pages/calendar';
import { LiveLocksPage } from './pages/live-locks';
import { ServicesPage } from './pages/services';
import { StaffPage } from './pages/staff';
import { TimeOffPage } from './pages/time-off';
import { WebhooksPage } from './pages/webhooks';
import { __ } from './i18n';

declare global {
  interface Window {
    appointeaseBridgeAdmin?: AdminConfig;
  }
}

const PAGES = {
  calendar: CalendarPage,
  locks: LiveLocksPage,
  appointments: AppointmentsPage,
  services: ServicesPage,
  staff: StaffPage,
  'time-off': TimeOffPage,
  webhooks: WebhooksPage,
  settings: BusinessSettingsPage,
} as const;

function start() {
  const mount = document.getElementById('appointease-admin');
  const config = window.appointeaseBridgeAdmin;
  if (!mount || !config) return;
  const Page = PAGES[mount.dataset.page as keyof typeof PAGES];
  if (!Page) {
    mount.textContent = __('Unknown AppointEase page.', 'appointease-bridge');
    return;
  }
  mount.textContent = '';
  render(<Page api={new Api(config)} />, mount);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
