import type { JSX } from 'preact';

/** A labelled input on its own line, the way wp-admin forms stack them, with an optional hint under it. */
export function TextField({
  label,
  value,
  onValue,
  description,
  ...input
}: { label: string; value: string; onValue(value: string): void; description?: string } & Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'label'>) {
  return (
    <p>
      <label>
        {label}
        <br />
        <input class="regular-text" {...input} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
      </label>
      {description && (
        <>
          <br />
          <span class="description">{description}</span>
        </>
      )}
    </p>
  );
}
