import type { JSX } from 'preact';

/** A labelled input on its own line, the way wp-admin forms stack them. */
export function TextField({ label, value, onValue, ...input }: { label: string; value: string; onValue(value: string): void } & Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'label'>) {
  return (
    <p>
      <label>
        {label}
        <br />
        <input class="regular-text" {...input} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
      </label>
    </p>
  );
}
