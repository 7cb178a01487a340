interface FieldProps {
  type?: string;
  autocomplete?: string;
  inputMode?: 'numeric' | 'text' | 'email' | 'tel';
  maxLength?: number;
  required?: boolean;
  id: string;
  label: string;
  hint?: string;
  error?: string | null;
  value: string;
  onValue(v: string): void;
  multiline?: boolean;
}

/** A labelled input whose label is exactly `label` (tests and screen readers find it by name). */
export function Field({ id, label, hint, error, value, onValue, multiline, ...rest }: FieldProps) {
  const described = [hint && `${id}-hint`, error && `${id}-err`].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    value,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': described,
    onInput: (e: Event) => onValue((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class="ae-field">
      <label for={id}>{label}</label>
      {hint && (
        <span id={`${id}-hint`} class="ae-muted ae-small">
          {hint}
        </span>
      )}
      {multiline ? <textarea rows={3} {...common} /> : <input {...(rest as any)} {...common} />}
      {error && (
        <span id={`${id}-err`} class="ae-field-err" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
