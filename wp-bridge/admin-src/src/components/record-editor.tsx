// Add, edit and delete for a catalogue list (services, staff): one open form at a time,
// saved with POST (new) or PUT (existing), the list reloaded from the sidecar afterwards.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Api } from '../api';
import { useAction } from '../ui';
import { FormButtons } from './form-buttons';

export interface RecordEditorOptions<R extends { id: number }, D> {
  api: Api;
  /** The collection's path, e.g. `/admin/services`. */
  path: string;
  blank(): D;
  toDraft(record: R): D;
  /** The request body, or a message saying what to fix first. */
  toBody(draft: D): unknown | { problem: string };
  /** Called after a save or delete succeeded. */
  onChanged(): void;
  /** Called with the sidecar's answer to a save (a webhook's secret is in the create answer only). */
  onSaved?(answer: unknown, isNew: boolean): void;
}

export function useRecordEditor<R extends { id: number }, D>(o: RecordEditorOptions<R, D>) {
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  const [draft, setDraft] = useState<D>(o.blank);
  const action = useAction();

  const open = (record: R | null) => {
    setDraft(record ? o.toDraft(record) : o.blank());
    setEditing(record ? record.id : 'new');
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const body = o.toBody(draft);
    if (body && typeof body === 'object' && 'problem' in body) {
      action.setError(String(body.problem));
      return;
    }
    let answer: unknown;
    const ok = await action.run(async () => {
      answer = await (editing === 'new' ? o.api.post(o.path, body) : o.api.put(`${o.path}/${editing}`, body));
    });
    if (ok) {
      setEditing(null);
      o.onSaved?.(answer, editing === 'new');
      o.onChanged();
    }
  };
  const remove = async (record: R, question: string) => {
    if (!window.confirm(question)) return;
    if (await action.run(() => o.api.delete(`${o.path}/${record.id}`))) o.onChanged();
  };
  return { editing, draft, setDraft, action, open, save, remove, close: () => setEditing(null) };
}

/** The form card of an open editor: a heading for new or existing, the fields, save and cancel. */
export function EditCard(p: { isNew: boolean; newTitle: string; editTitle: string; saveLabel: string; busy: boolean; onSubmit(e: Event): void; onCancel(): void; children: ComponentChildren }) {
  return (
    <form class="appointease-card" onSubmit={p.onSubmit}>
      <h2>{p.isNew ? p.newTitle : p.editTitle}</h2>
      {p.children}
      <FormButtons label={p.saveLabel} busy={p.busy} onCancel={p.onCancel} />
    </form>
  );
}

/** The button above a list that opens an empty form. */
export function AddButton(p: { label: string; onClick(): void }) {
  return (
    <p>
      <button type="button" class="button button-primary" onClick={p.onClick}>
        {p.label}
      </button>
    </p>
  );
}
