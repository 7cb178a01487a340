import { useWidget } from '../context';
import type { EmployeeChoice } from '../state';
import { BackButton, StepHeading } from '../ui';

export function ServiceStep({ onChoose }: { onChoose(id: number): void }) {
  const { t, services } = useWidget();
  return (
    <section>
      <StepHeading>{t.stepService}</StepHeading>
      <ul class="ae-options">
        {services.map((s) => (
          <li key={s.id}>
            <button type="button" class="ae-option" onClick={() => onChoose(s.id)}>
              <span class="ae-option-name">{s.name}</span>
              <span class="ae-muted">{t.minutes(s.duration)}</span>
              {s.description && <span class="ae-muted ae-desc">{s.description}</span>}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function EmployeeStep(p: { onChoose(e: EmployeeChoice): void; onBack: (() => void) | null }) {
  const { t, staff } = useWidget();
  return (
    <section>
      {p.onBack && <BackButton onClick={p.onBack} />}
      <StepHeading>{t.stepEmployee}</StepHeading>
      <ul class="ae-options">
        <li>
          <button type="button" class="ae-option" onClick={() => p.onChoose('any')}>
            <span class="ae-option-name">{t.anyEmployee}</span>
          </button>
        </li>
        {staff.map((s) => (
          <li key={s.id}>
            <button type="button" class="ae-option" onClick={() => p.onChoose(s.id)}>
              <span class="ae-option-name">{s.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
