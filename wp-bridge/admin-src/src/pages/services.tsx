// Services: list, add, edit, delete (CONTRACT §7 /admin/services).
import type { Api } from '../api';
import { ListTable, RowActions } from '../components/list-table';
import { AddButton, EditCard, useRecordEditor } from '../components/record-editor';
import { TextField } from '../components/text-field';
import type { Service } from '../types';
import { Notices, useLoad } from '../ui';

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
      <AddButton label="Add service" onClick={() => editor.open(null)} />
      {editor.editing !== null && (
        <EditCard isNew={editor.editing === 'new'} newTitle="New service" editTitle="Edit service" saveLabel="Save service" busy={editor.action.busy} onSubmit={editor.save} onCancel={editor.close}>
          {field('name', 'Name')}
          {field('description', 'Description')}
          {field('duration', 'Duration (minutes)', 'number')}
          {field('price', 'Price', 'number')}
          {field('bufferBefore', 'Buffer before (minutes)', 'number')}
          {field('bufferAfter', 'Buffer after (minutes)', 'number')}
          <p>
            <label>
              <input type="checkbox" checked={draft.active} onChange={(e) => setDraft({ ...draft, active: e.currentTarget.checked })} /> Bookable
            </label>
          </p>
        </EditCard>
      )}
      {list.data && (
        <ListTable
          rows={list.data}
          rowKey={(s) => s.id}
          columns={[
            { header: 'Name', cell: (s) => s.name },
            { header: 'Duration', cell: (s) => `${s.duration} min` },
            { header: 'Price', cell: (s) => Number(s.price).toFixed(2) },
            { header: 'Buffers', cell: (s) => `${s.bufferBefore ?? 0} / ${s.bufferAfter ?? 0} min` },
            { header: 'Bookable', cell: (s) => (s.active === false ? 'No' : 'Yes') },
          ]}
          actions={(s) => <RowActions onEdit={() => editor.open(s)} onDelete={() => editor.remove(s, `Delete the service “${s.name}”?`)} />}
        />
      )}
    </div>
  );
}
