// Services: list, add, edit, delete (CONTRACT §7 /admin/services).
import { useState } from 'preact/hooks';
import type { Api } from '../api';
import type { Service } from '../types';
import { Notice, useAction, useLoad } from '../ui';

type Draft = { name: string; description: string; duration: string; price: string; bufferBefore: string; bufferAfter: string; active: boolean };
const EMPTY: Draft = { name: '', description: '', duration: '30', price: '0', bufferBefore: '0', bufferAfter: '0', active: true };

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
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const action = useAction();

  const save = async (e: Event) => {
    e.preventDefault();
    const ok = await action.run(() => (editing === 'new' ? api.post('/admin/services', toBody(draft)) : api.put(`/admin/services/${editing}`, toBody(draft))));
    if (ok) {
      setEditing(null);
      void list.reload();
    }
  };
  const remove = async (s: Service) => {
    if (!window.confirm(`Delete the service “${s.name}”?`)) return;
    if (await action.run(() => api.delete(`/admin/services/${s.id}`))) void list.reload();
  };
  const field = (key: keyof Draft, label: string, type = 'text') => (
    <p>
      <label>
        {label}
        <br />
        <input
          type={type}
          class="regular-text"
          required={key === 'name' || key === 'duration'}
          min={type === 'number' ? 0 : undefined}
          step={key === 'price' ? '0.01' : undefined}
          value={draft[key] as string}
          onInput={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })}
        />
      </label>
    </p>
  );

  return (
    <div>
      {list.error && <Notice>{list.error}</Notice>}
      {action.error && <Notice>{action.error}</Notice>}
      <p>
        <button
          type="button"
          class="button button-primary"
          onClick={() => {
            setDraft(EMPTY);
            setEditing('new');
          }}
        >
          Add service
        </button>
      </p>
      {editing !== null && (
        <form class="appointease-card" onSubmit={save}>
          <h2>{editing === 'new' ? 'New service' : 'Edit service'}</h2>
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
          <p>
            <button type="submit" class="button button-primary" disabled={action.busy}>
              Save service
            </button>{' '}
            <button type="button" class="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </p>
        </form>
      )}
      {list.data && (
        <table class="wp-list-table widefat fixed striped">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Duration</th>
              <th scope="col">Price</th>
              <th scope="col">Buffers</th>
              <th scope="col">Bookable</th>
              <th scope="col">
                <span class="screen-reader-text">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.duration} min</td>
                <td>{Number(s.price).toFixed(2)}</td>
                <td>
                  {s.bufferBefore ?? 0} / {s.bufferAfter ?? 0} min
                </td>
                <td>{s.active === false ? 'No' : 'Yes'}</td>
                <td>
                  <button
                    type="button"
                    class="button"
                    onClick={() => {
                      setDraft(toDraft(s));
                      setEditing(s.id);
                    }}
                  >
                    Edit
                  </button>{' '}
                  <button type="button" class="button button-link-delete" onClick={() => remove(s)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
