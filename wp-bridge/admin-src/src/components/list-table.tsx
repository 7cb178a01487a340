// The WordPress list table every admin page shows its records in: one column
// definition per page instead of a copy of the markup.
import type { ComponentChildren, JSX } from 'preact';
import { __ } from '../i18n';

export interface Column<T> {
  header: ComponentChildren;
  cell(row: T): ComponentChildren;
  /** Extra attributes of the cell (a class, an aria-label). */
  cellProps?(row: T): JSX.HTMLAttributes<HTMLTableCellElement>;
}

export interface ListTableProps<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey(row: T): string | number;
  /** Buttons at the end of each row; the column is named for screen readers only. */
  actions?(row: T): ComponentChildren;
  /** Extra attributes of a row (the data-* hooks tests and styles find rows by). */
  rowProps?(row: T): JSX.HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string>;
  /** Shown instead of an empty table; without it, an empty table is shown. */
  empty?: ComponentChildren;
  class?: string;
}

export function ListTable<T>(p: ListTableProps<T>) {
  if (p.empty !== undefined && p.rows.length === 0) return <>{p.empty}</>;
  return (
    <table class={`wp-list-table widefat fixed striped${p.class ? ` ${p.class}` : ''}`}>
      <thead>
        <tr>
          {p.columns.map((c, i) => (
            <th scope="col" key={i}>
              {c.header}
            </th>
          ))}
          {p.actions && (
            <th scope="col">
              <span class="screen-reader-text">{__('Actions', 'appointease-bridge')}</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {p.rows.map((row) => (
          <tr key={p.rowKey(row)} {...p.rowProps?.(row)}>
            {p.columns.map((c, i) => (
              <td key={i} {...c.cellProps?.(row)}>
                {c.cell(row)}
              </td>
            ))}
            {p.actions && <td>{p.actions(row)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The row buttons most tables have: Edit (optional) and a destructive action. */
export function RowActions(p: { onEdit?(): void; onDelete(): void; deleteLabel?: string; busy?: boolean }) {
  return (
    <>
      {p.onEdit && (
        <>
          <button type="button" class="button" onClick={p.onEdit}>
            {__('Edit', 'appointease-bridge')}
          </button>{' '}
        </>
      )}
      <button type="button" class="button button-link-delete" disabled={p.busy} onClick={p.onDelete}>
        {p.deleteLabel ?? __('Delete', 'appointease-bridge')}
      </button>
    </>
  );
}
