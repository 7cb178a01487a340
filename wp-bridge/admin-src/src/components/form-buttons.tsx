// The row of buttons under every admin form: the primary save, and a way out when editing.
import { __ } from '../i18n';

export function FormButtons(p: { label: string; busy?: boolean; onCancel?(): void }) {
  return (
    <p>
      <button type="submit" class="button button-primary" disabled={p.busy}>
        {p.label}
      </button>
      {p.onCancel && (
        <>
          {' '}
          <button type="button" class="button" onClick={p.onCancel}>
            {__('Cancel', 'appointease-bridge')}
          </button>
        </>
      )}
    </p>
  );
}
