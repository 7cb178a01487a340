import { useState } from 'preact/hooks';
import { useWidget } from '../context';
import { Countdown } from '../ui';

/** The countdown of the held time; once it ends, the way back to choosing a time. */
export function HoldBar({ endsAt, onChooseAgain }: { endsAt: number | null; onChooseAgain(): void }) {
  const { t } = useWidget();
  const [expired, setExpired] = useState(endsAt !== null && endsAt <= Date.now());
  if (endsAt === null) return null;
  if (expired) {
    return (
      <div class="ae-error" role="alert">
        <p>{t.holdExpired}</p>
        <button type="button" class="ae-btn" onClick={onChooseAgain}>
          {t.chooseTimeAgain}
        </button>
      </div>
    );
  }
  return <Countdown endsAt={endsAt} onExpired={() => setExpired(true)} />;
}
