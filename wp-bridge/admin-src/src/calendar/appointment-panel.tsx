// One appointment, opened from the calendar: who booked what and when, and what an
// administrator does with it: mark it completed or a no-show, or cancel it (the customer is
// mailed, the time is free again at once).
import { useEffect, useRef } from 'preact/hooks';
import { __, sprintf } from '../i18n';
import type { Appointment, AppointmentStatus } from '../types';

export function statusLabel(status: string): string {
  switch (status) {
    case 'confirmed':
      return __('Confirmed', 'appointease-bridge');
    case 'pending':
      return __('Pending', 'appointease-bridge');
    case 'completed':
      return __('Completed', 'appointease-bridge');
    case 'cancelled':
      return __('Cancelled', 'appointease-bridge');
    case 'no-show':
      return __('No-show', 'appointease-bridge');
    default:
      return status;
  }
}

export interface AppointmentPanelProps {
  appointment: Appointment;
  when: string;
  staffName: string;
  serviceName: string;
  busy: boolean;
  onStatus(status: AppointmentStatus): void;
  onClose(): void;
}

export function AppointmentPanel(p: AppointmentPanelProps) {
  const a = p.appointment;
  const heading = useRef<HTMLHeadingElement>(null);
  // Opening moves focus here, so keyboard and screen-reader users land on what they opened.
  useEffect(() => heading.current?.focus(), [a.id]);
  const released = a.status === 'cancelled';
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') p.onClose();
  };
  return (
    <section class="appointease-card appointease-cal-panel" role="dialog" aria-labelledby="appointease-cal-panel-title" onKeyDown={onKeyDown} data-reference={a.reference ?? String(a.id)}>
      <h2 id="appointease-cal-panel-title" tabIndex={-1} ref={heading}>
        {a.name}
      </h2>
      <dl class="appointease-cal-facts">
        <dt>{__('When', 'appointease-bridge')}</dt>
        <dd>{p.when}</dd>
        <dt>{__('Service', 'appointease-bridge')}</dt>
        <dd>{p.serviceName}</dd>
        <dt>{__('Staff', 'appointease-bridge')}</dt>
        <dd>{p.staffName}</dd>
        <dt>{__('Email', 'appointease-bridge')}</dt>
        <dd>
          <a href={`mailto:${a.email}`}>{a.email}</a>
        </dd>
        {a.phone && (
          <>
            <dt>{__('Phone', 'appointease-bridge')}</dt>
            <dd>
              <a href={`tel:${a.phone.replace(/[^\d+]/g, '')}`}>{a.phone}</a>
            </dd>
          </>
        )}
        {a.notes && (
          <>
            <dt>{__('Notes', 'appointease-bridge')}</dt>
            <dd>{a.notes}</dd>
          </>
        )}
        <dt>{__('Reference', 'appointease-bridge')}</dt>
        <dd>{a.reference ? <code>{a.reference}</code> : sprintf(__('#%d (stored without a reference)', 'appointease-bridge'), a.id)}</dd>
        <dt>{__('Status', 'appointease-bridge')}</dt>
        <dd class="appointease-cal-status">{statusLabel(a.status)}</dd>
      </dl>
      <p class="appointease-cal-actions">
        {!released && a.status !== 'completed' && (
          <button type="button" class="button" disabled={p.busy} onClick={() => p.onStatus('completed')}>
            {__('Mark completed', 'appointease-bridge')}
          </button>
        )}
        {!released && a.status !== 'no-show' && (
          <button type="button" class="button" disabled={p.busy} onClick={() => p.onStatus('no-show')}>
            {__('Mark no-show', 'appointease-bridge')}
          </button>
        )}
        {!released && (
          <button type="button" class="button button-link-delete" disabled={p.busy} onClick={() => p.onStatus('cancelled')}>
            {__('Cancel appointment', 'appointease-bridge')}
          </button>
        )}
        <button type="button" class="button button-secondary" onClick={p.onClose}>
          {__('Close', 'appointease-bridge')}
        </button>
      </p>
    </section>
  );
}
