// Webhooks (CONTRACT §12 /admin/webhooks): list, add, edit, pause and resume, send a test,
// make a new secret, delete, and each webhook's deliveries with their status and attempts. A signing
// secret is only in the answer that made it (create, rotate-secret), so the page shows it
// once, right then.
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api';
import { ListTable, RowActions } from '../components/list-table';
import { AddButton, EditCard, useRecordEditor } from '../components/record-editor';
import { TextField } from '../components/text-field';
import { WEBHOOK_EVENTS, type DeliveryStatus, type PingResult, type Webhook, type WebhookDelivery, type WebhookEventType } from '../types';
import { dateFormatter, Notice, Notices, useAction, useLoad } from '../ui';
import { __, _n, sprintf } from '../i18n';

/** The sidecar generates a secret of at least this many characters when none is given. */
export const MIN_SECRET_LENGTH = 32;
/** While a webhook's deliveries are shown, they are fetched again this often (retries move on by themselves). */
const DELIVERIES_POLL_MS = 10_000;

type Draft = { existing: boolean; url: string; events: WebhookEventType[]; secret: string; active: boolean };
const blank = (): Draft => ({ existing: false, url: '', events: [...WEBHOOK_EVENTS], secret: '', active: true });
const toDraft = (w: Webhook): Draft => ({ existing: true, url: w.url, events: [...w.events], secret: '', active: w.active });

/** The request body of a save, or what to fix first. Exported for the component tests. */
export function webhookBody(d: Draft): { url: string; events: WebhookEventType[]; secret?: string; active?: boolean } | { problem: string } {
  const url = d.url.trim();
  if (!/^https?:\/\/\S+$/i.test(url)) return { problem: __('Enter the receiver’s address, starting with https:// (or http://).', 'appointease-bridge') };
  if (d.events.length === 0) return { problem: __('Choose at least one event.', 'appointease-bridge') };
  // In the order the page lists them, whatever order they were ticked in.
  const events = WEBHOOK_EVENTS.filter((e) => d.events.includes(e));
  if (d.existing) return { url, events, active: d.active };
  const secret = d.secret.trim();
  if (secret !== '' && secret.length < MIN_SECRET_LENGTH) {
    return { problem: sprintf(__('A secret needs at least %d characters; leave it empty to have one made.', 'appointease-bridge'), MIN_SECRET_LENGTH) };
  }
  return secret === '' ? { url, events } : { url, events, secret };
}

export function eventLabel(event: WebhookEventType): string {
  switch (event) {
    case 'appointment.booked':
      return __('Booked', 'appointease-bridge');
    case 'appointment.rescheduled':
      return __('Rescheduled', 'appointease-bridge');
    case 'appointment.cancelled':
      return __('Cancelled', 'appointease-bridge');
  }
}

function statusLabel(status: DeliveryStatus): string {
  switch (status) {
    case 'pending':
      return __('Pending', 'appointease-bridge');
    case 'delivered':
      return __('Delivered', 'appointease-bridge');
    case 'failed':
      return __('Failed', 'appointease-bridge');
  }
}

export function WebhooksPage({ api }: { api: Api }) {
  const list = useLoad(() => api.get<{ webhooks: Webhook[] }>('/admin/webhooks').then((r) => r.webhooks));
  // The secret to show once: of a webhook just added, or just given a new secret.
  const [created, setCreated] = useState<(Webhook & { rotated?: boolean }) | null>(null);
  const [shown, setShown] = useState<number | null>(null);
  const toggle = useAction();
  const editor = useRecordEditor<Webhook, Draft>({
    api,
    path: '/admin/webhooks',
    blank,
    toDraft,
    toBody: webhookBody,
    onChanged: () => void list.reload(),
    onSaved: (answer, isNew) => setCreated(isNew ? ((answer as { webhook?: Webhook })?.webhook ?? null) : null),
  });
  const { draft, setDraft } = editor;

  const setActive = async (w: Webhook, active: boolean) => {
    if (await toggle.run(() => api.put(`/admin/webhooks/${w.id}`, { url: w.url, events: w.events, active }))) void list.reload();
  };
  // One signed test POST, answered at once with what the receiver said.
  const [pinged, setPinged] = useState<{ url: string; result: PingResult } | null>(null);
  const ping = async (w: Webhook) => {
    setPinged(null);
    await toggle.run(async () => setPinged({ url: w.url, result: (await api.post<{ ping: PingResult }>(`/admin/webhooks/${w.id}/ping`, {})).ping }));
  };
  // The old secret keeps signing beside the new one for a day (docs/outbox.md), so the receiver can be switched over calmly.
  const rotate = async (w: Webhook) => {
    if (!window.confirm(sprintf(__('Make a new signing secret for %s? The current one keeps signing beside it for 24 hours.', 'appointease-bridge'), w.url))) return;
    const done = await toggle.run(async () => {
      const answer = await api.post<{ webhook: Webhook }>(`/admin/webhooks/${w.id}/rotate-secret`, {});
      setCreated({ ...answer.webhook, rotated: true });
    });
    if (done) void list.reload();
  };
  const remove = async (w: Webhook) => {
    await editor.remove(w, sprintf(__('Delete the webhook to %s? Its delivery history goes with it.', 'appointease-bridge'), w.url));
    if (shown === w.id) setShown(null);
  };
  const format = dateFormatter(api.config.locale);

  return (
    <div class="appointease-webhooks">
      <p class="description">
        {__('Each booking change is sent to these addresses as a signed JSON POST (header AppointEase-Signature), retried for up to 24 hours until the receiver answers 2xx.', 'appointease-bridge')}
      </p>
      <Notices errors={[list.error, editor.action.error, toggle.error]} />
      {created?.secret && (
        <div class="notice notice-success inline appointease-webhook-secret" role="status">
          <p>
            {created.rotated ? (
              <>
                <strong>{__('New signing secret made.', 'appointease-bridge')}</strong>{' '}
                {__('It is shown only this once: put it in the receiver within 24 hours, while the old one still signs too.', 'appointease-bridge')}
              </>
            ) : (
              <>
                <strong>{__('Webhook added.', 'appointease-bridge')}</strong> {__('Its signing secret is shown only this once: copy it to the receiver now.', 'appointease-bridge')}
              </>
            )}
          </p>
          <p>
            <label>
              {__('Signing secret', 'appointease-bridge')}
              <br />
              <input class="large-text code" readOnly value={created.secret} onFocus={(e) => e.currentTarget.select()} />
            </label>
          </p>
          <p>
            <button type="button" class="button" onClick={() => void navigator.clipboard?.writeText(created.secret!).catch(() => undefined)}>
              {__('Copy', 'appointease-bridge')}
            </button>{' '}
            <button type="button" class="button" onClick={() => setCreated(null)}>
              {__('Done', 'appointease-bridge')}
            </button>
          </p>
        </div>
      )}
      {pinged && (
        <Notice kind={pinged.result.ok ? 'success' : 'error'}>
          {pinged.result.ok
            ? sprintf(__('Test delivered to %1$s: HTTP %2$d in %3$d ms.', 'appointease-bridge'), pinged.url, pinged.result.statusCode ?? 0, pinged.result.ms)
            : sprintf(__('Test not delivered to %1$s: %2$s', 'appointease-bridge'), pinged.url, pinged.result.error ?? '')}
        </Notice>
      )}
      <AddButton label={__('Add webhook', 'appointease-bridge')} onClick={() => editor.open(null)} />
      {editor.editing !== null && (
        <EditCard
          isNew={editor.editing === 'new'}
          newTitle={__('New webhook', 'appointease-bridge')}
          editTitle={__('Edit webhook', 'appointease-bridge')}
          saveLabel={__('Save webhook', 'appointease-bridge')}
          busy={editor.action.busy}
          onSubmit={editor.save}
          onCancel={editor.close}
        >
          <TextField label={__('Receiver URL', 'appointease-bridge')} type="url" required placeholder="https://" value={draft.url} onValue={(url) => setDraft({ ...draft, url })} />
          <fieldset>
            <legend>{__('Events', 'appointease-bridge')}</legend>
            {WEBHOOK_EVENTS.map((event) => (
              <label class="appointease-check" key={event}>
                <input
                  type="checkbox"
                  checked={draft.events.includes(event)}
                  onChange={(e) => setDraft({ ...draft, events: e.currentTarget.checked ? [...draft.events, event] : draft.events.filter((x) => x !== event) })}
                />{' '}
                {eventLabel(event)} <code>{event}</code>
              </label>
            ))}
          </fieldset>
          {draft.existing ? (
            <p>
              <label>
                <input type="checkbox" checked={draft.active} onChange={(e) => setDraft({ ...draft, active: e.currentTarget.checked })} /> {__('Active (unticked: paused, nothing is sent)', 'appointease-bridge')}
              </label>
            </p>
          ) : (
            <TextField
              label={__('Signing secret (optional)', 'appointease-bridge')}
              description={sprintf(__('At least %d characters; leave it empty to have one made.', 'appointease-bridge'), MIN_SECRET_LENGTH)}
              autoComplete="off"
              value={draft.secret}
              onValue={(secret) => setDraft({ ...draft, secret })}
            />
          )}
        </EditCard>
      )}
      {list.data && (
        <ListTable
          rows={list.data}
          rowKey={(w) => w.id}
          rowProps={(w) => ({ 'data-webhook': String(w.id) })}
          empty={<p>{__('No webhooks yet.', 'appointease-bridge')}</p>}
          columns={[
            { header: __('Receiver URL', 'appointease-bridge'), cell: (w) => <code class="appointease-url">{w.url}</code> },
            { header: __('Events', 'appointease-bridge'), cell: (w) => w.events.map(eventLabel).join(', ') },
            {
              header: __('Status', 'appointease-bridge'),
              cell: (w) => (
                <>
                  {w.active ? __('Active', 'appointease-bridge') : __('Paused', 'appointease-bridge')}
                  {w.previousSecretExpiresAt && (
                    <>
                      <br />
                      <span class="description">{sprintf(__('The old secret also signs until %s', 'appointease-bridge'), format(w.previousSecretExpiresAt))}</span>
                    </>
                  )}
                </>
              ),
            },
          ]}
          actions={(w) => (
            <>
              <button type="button" class="button" aria-expanded={shown === w.id} onClick={() => setShown(shown === w.id ? null : w.id)}>
                {__('Deliveries', 'appointease-bridge')}
              </button>{' '}
              <button type="button" class="button" disabled={toggle.busy} onClick={() => void setActive(w, !w.active)}>
                {w.active ? __('Pause', 'appointease-bridge') : __('Resume', 'appointease-bridge')}
              </button>{' '}
              <button type="button" class="button" disabled={toggle.busy} onClick={() => void ping(w)}>
                {__('Send test', 'appointease-bridge')}
              </button>{' '}
              <button type="button" class="button" disabled={toggle.busy} onClick={() => void rotate(w)}>
                {__('New secret', 'appointease-bridge')}
              </button>{' '}
              <RowActions onEdit={() => editor.open(w)} onDelete={() => void remove(w)} />
            </>
          )}
        />
      )}
      {shown !== null && list.data?.some((w) => w.id === shown) && <Deliveries api={api} webhook={list.data.find((w) => w.id === shown)!} format={format} onClose={() => setShown(null)} />}
    </div>
  );
}

function Deliveries({ api, webhook, format, onClose }: { api: Api; webhook: Webhook; format(iso: string | null): string; onClose(): void }) {
  const deliveries = useLoad(() => api.get<{ deliveries: WebhookDelivery[] }>(`/admin/webhooks/${webhook.id}/deliveries`).then((r) => r.deliveries), [webhook.id]);
  useEffect(() => {
    const poll = setInterval(() => void deliveries.reload(), DELIVERIES_POLL_MS);
    return () => clearInterval(poll);
  }, [deliveries.reload]);

  return (
    <section class="appointease-card appointease-deliveries" aria-labelledby="appointease-deliveries-title">
      <h2 id="appointease-deliveries-title">{sprintf(__('Deliveries to %s', 'appointease-bridge'), webhook.url)}</h2>
      <p>
        <button type="button" class="button" disabled={deliveries.loading} onClick={() => void deliveries.reload()}>
          {__('Refresh', 'appointease-bridge')}
        </button>{' '}
        <button type="button" class="button" onClick={onClose}>
          {__('Close', 'appointease-bridge')}
        </button>
      </p>
      {deliveries.error && <Notice>{deliveries.error}</Notice>}
      {deliveries.data && (
        <ListTable
          rows={deliveries.data}
          rowKey={(d) => d.id}
          rowProps={(d) => ({ 'data-delivery': String(d.id), 'data-status': d.status })}
          empty={<p>{__('Nothing sent yet: deliveries appear here after the next booking change.', 'appointease-bridge')}</p>}
          columns={[
            { header: __('Event', 'appointease-bridge'), cell: (d) => eventLabel(d.event) },
            { header: __('Status', 'appointease-bridge'), cell: (d) => <span class={`appointease-delivery appointease-delivery--${d.status}`}>{statusLabel(d.status)}</span> },
            { header: __('Attempts', 'appointease-bridge'), cell: (d) => sprintf(_n('%d attempt', '%d attempts', d.attempts, 'appointease-bridge'), d.attempts) },
            { header: __('Last answer', 'appointease-bridge'), cell: (d) => <LastAnswer delivery={d} /> },
            { header: __('Created', 'appointease-bridge'), cell: (d) => format(d.createdAt) },
            { header: __('Delivered', 'appointease-bridge'), cell: (d) => format(d.deliveredAt) },
          ]}
        />
      )}
    </section>
  );
}

/** The receiver's last HTTP status, or that there was none; and the sidecar's reason when it adds one. */
function LastAnswer({ delivery: d }: { delivery: WebhookDelivery }) {
  const answer = d.lastStatusCode === null ? (d.attempts > 0 ? __('No answer', 'appointease-bridge') : '—') : sprintf(__('HTTP %d', 'appointease-bridge'), d.lastStatusCode);
  const why = d.lastError && d.lastError !== `HTTP ${d.lastStatusCode}` ? d.lastError : null;
  return (
    <>
      {answer}
      {why && (
        <>
          <br />
          <span class="description appointease-delivery-error">{why}</span>
        </>
      )}
    </>
  );
}
