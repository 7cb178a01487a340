// Services: list, add, edit, delete (CONTRACT §7 /admin/services).
import type { Api } from '../api';
import { ListTable, RowActions } from '../components/list-table';
import { AddButton, EditCard, useRecordEditor } from '../components/record-editor';
import { TextField } from '../components/text-field';
import type { Service } from '../types';
import { Notices, useLoad } from '../ui';
import { __, sprintf } from '../i18n';

type Draft = { name: string; description: string; duration: string; price: string; bufferBefore: string; bufferAfter: string; active: boolean };
const blank = (): Draft => ({ name: '', description: '', duration: '30', price: '0', bufferBefore: '0', bufferAfter: '0', active: true });

const toDraft = (s: Service): Draft => ({
  name: s.name,
  description: s.description ?? '',
  duration: String(s.duration),
  price: String(s.price),
  bufferBefore: String(s.bufferBefore ?? 0),
  bufferAfter: String(s.bufferAfter ?? 0),
  active: s.active !== false,
});

const toBody = (d: Draft) => ({
  name: d.name.trim(),
  description: d.description,
  duration: Number(d.duration),
  price: Number(d.price),
  bufferBefore: Number(d.bufferBefore),
  bufferAfter: Number(d.bufferAfter),
  active: d.active,
});

export function ServicesPage({ api }: { api: Api }) {
  const list = useLoad(() => api.get<{ services: Service[] }>('/admin/services').then((r) => r.services));
  const editor = useRecordEditor<Service, Draft>({ api, path: '/admin/services', blank, toDraft, toBody, onChanged: () => void list.reload() });
  const { draft, setDraft } = editor;
  const field = (key: Exclude<keyof Draft, 'active'>, label: string, type = 'text') => (
    <TextField
      label={label}
      type={type}
      required={key === 'name' || key === 'duration'}
      min={type === 'number' ? 0 : undefined}
      step={key === 'price' ? '0.01' : undefined}
      value={draft[key]}
      onValue={(v) => setDraft({ ...draft, [key]: v })}
    />
  );

  return (
    <div>
      <Notices errors={[list.error, editor.action.error]} />
      <AddButton label={__('Add service', 'appointease-bridge')} onClick={() => editor.open(null)} />
      {editor.editing !== null && (
        <EditCard isNew={editor.editing === 'new'} newTitle={__('New service', 'appointease-bridge')} editTitle={__('Edit service', 'appointease-bridge')} saveLabel={__('Save service', 'appointease-bridge')} busy={editor.action.busy} onSubmit={editor.save} onCancel={editor.close}>
          {field('name', __('Name', 'appointease-bridge'))}
          {field('description', __('Description', 'appointease-bridge'))}
          {field('duration', __('Duration (minutes)', 'appointease-bridge'), 'number')}
          {field('price', __('Price', 'appointease-bridge'), 'number')}
          {field('bufferBefore', __('Buffer before (minutes)', 'appointease-bridge'), 'number')}
          {field('bufferAfter', __('Buffer after (minutes)', 'appointease-bridge'), 'number')}
          <p>
            <label>
              <input type="checkbox" checked={draft.active} onChange={(e) => setDraft({ ...draft, active: e.currentTarget.checked })} /> {__('Bookable', 'appointease-bridge')}
            </label>
          </p>
        </EditCard>
      )}
      {list.data && (
        <ListTable
          rows={list.data}
          rowKey={(s) => s.id}
          columns={[
            { header: __('Name', 'appointease-bridge'), cell: (s) => s.name },
            { header: __('Duration', 'appointease-bridge'), cell: (s) => sprintf(__('%d min', 'appointease-bridge'), s.duration) },
            { header: __('Price', 'appointease-bridge'), cell: (s) => Number(s.price).toFixed(2) },
            { header: __('Buffers', 'appointease-bridge'), cell: (s) => sprintf(__('%1$d / %2$d min', 'appointease-bridge'), s.bufferBefore ?? 0, s.bufferAfter ?? 0) },
            { header: __('Bookable', 'appointease-bridge'), cell: (s) => (s.active === false ? __('No', 'appointease-bridge') : __('Yes', 'appointease-bridge')) },
          ]}
          actions={(s) => <RowActions onEdit={() => editor.open(s)} onDelete={() => editor.remove(s, sprintf(__('Delete the service “%s”?', 'appointease-bridge'), s.name))} />}
        />
      )}
    </div>
  );
}
