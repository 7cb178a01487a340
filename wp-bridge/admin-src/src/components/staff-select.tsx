import type { Staff } from '../types';

/** A choice among the staff (by id as text, '' for the empty choice), for filters and pickers. */
export function StaffSelect(p: { staff: Staff[] | null; value: string; emptyLabel: string; onChange(value: string): void; id?: string }) {
  return (
    <select id={p.id} value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)}>
      <option value="">{p.emptyLabel}</option>
      {p.staff?.map((s) => (
        <option key={s.id} value={String(s.id)}>
          {s.name}
        </option>
      ))}
    </select>
  );
}
