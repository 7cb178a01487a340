import { useWidget } from '../context';
import { addMonths, formatDay, formatMonth, monthCells, weekdayNames } from '../format';
import type { MonthDay } from '../types';

export interface MonthGridProps {
  month: string;
  days: MonthDay[] | null;
  selected: string | null;
  today: string;
  lastDay: string;
  onMonth(month: string): void;
  onSelect(date: string): void;
}

/** The month view: previous/next month and one button per day; days without free times are disabled. */
export function MonthGrid(p: MonthGridProps) {
  const { t, locale } = useWidget();
  const free = new Map((p.days ?? []).map((d) => [d.date, d.available]));
  const names = weekdayNames(locale.tag, locale.weekStart);
  const cells = monthCells(p.month, locale.weekStart);
  const rows: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(cells.slice(i, i + 7));

  return (
    <div class="ae-cal">
      <div class="ae-cal-head">
        <button type="button" class="ae-icon" disabled={p.month <= p.today.slice(0, 7)} onClick={() => p.onMonth(addMonths(p.month, -1))}>
          <span aria-hidden="true">‹</span>
          <span class="ae-sr">{t.prevMonth}</span>
        </button>
        <h3 class="ae-month" aria-live="polite">{formatMonth(p.month, locale.tag)}</h3>
        <button type="button" class="ae-icon" disabled={addMonths(p.month, 1) > p.lastDay.slice(0, 7)} onClick={() => p.onMonth(addMonths(p.month, 1))}>
          <span aria-hidden="true">›</span>
          <span class="ae-sr">{t.nextMonth}</span>
        </button>
      </div>
      <table class="ae-grid" aria-busy={p.days === null}>
        <thead>
          <tr>
            {names.map((n) => (
              <th scope="col" key={n.long}>
                <abbr title={n.long}>{n.short}</abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((d, j) => (
                <td key={j}>
                  {d && (
                    <button
                      type="button"
                      class="ae-day"
                      aria-label={formatDay(d, locale.tag)}
                      aria-pressed={d === p.selected}
                      disabled={!(free.get(d)! > 0) || d < p.today || d > p.lastDay}
                      onClick={() => p.onSelect(d)}
                    >
                      {Number(d.slice(8))}
                    </button>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {p.days && !p.days.some((d) => d.available > 0 && d.date >= p.today) && <p class="ae-muted">{t.noFreeDays}</p>}
    </div>
  );
}
