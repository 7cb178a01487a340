import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useWidget } from '../context';
import {
  addDays, addMonths, addMonthsToDay, formatDay, formatMonth, formatNumber, lastOfMonth, monthCells, weekdayNames, weekdayOf,
} from '../format';
import type { MonthDay } from '../types';

export interface MonthGridProps {
  month: string;
  days: MonthDay[] | null;
  selected: string | null;
  today: string;
  lastDay: string;
  /** Show another month; `pickFirst` also selects its first free day (the month buttons do, the keyboard does not). */
  onMonth(month: string, pickFirst: boolean): void;
  onSelect(date: string): void;
}

/**
 * The month view as the WAI-ARIA APG date-picker grid: the grid is one tab
 * stop (the focused day has tabindex 0, the others -1); arrow keys move by a
 * day or a week (mirrored right to left), Home/End to the week's first/last
 * day, Page Up/Down by a month (with Shift by a year), Enter/Space choose. Days
 * without a free time stay focusable (aria-disabled) so the arrows never skip.
 */
export function MonthGrid(p: MonthGridProps) {
  const { t, locale } = useWidget();
  const rtl = locale.dir === 'rtl';
  const free = new Map((p.days ?? []).map((d) => [d.date, d.available]));
  const bookable = (d: string) => (free.get(d) ?? 0) > 0 && d >= p.today && d <= p.lastDay;
  const names = weekdayNames(locale.tag, locale.weekStart);
  // Where the short names are words (Arabic has no abbreviations), the narrow ones head the columns.
  const narrowHeads = names.some((n) => n.short.length > 4);
  const cells = monthCells(p.month, locale.weekStart);
  const rows: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(cells.slice(i, i + 7));
  // Focus may wander from the first of today's month to the end of the last bookable one.
  const first = p.today.slice(0, 7) + '-01';
  const last = lastOfMonth(p.lastDay.slice(0, 7));

  const [focusDay, setFocusDay] = useState<string | null>(null);
  const moved = useRef(false);
  const grid = useRef<HTMLTableElement>(null);
  const inMonth = (d: string | null): d is string => !!d && d.startsWith(p.month);
  const firstBookable = cells.find((d): d is string => !!d && bookable(d));
  const active = inMonth(focusDay) ? focusDay : inMonth(p.selected) ? p.selected : (firstBookable ?? `${p.month}-01`);

  // Only a key press moves focus; a render alone never takes it (nothing is focused on page load).
  // Right after the render, not after paint: focus must keep up with a held-down arrow key.
  useLayoutEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    grid.current?.querySelector<HTMLElement>(`[data-day="${active}"]`)?.focus();
  });

  function moveTo(d: string) {
    const target = d < first ? first : d > last ? last : d;
    moved.current = true;
    setFocusDay(target);
    if (!target.startsWith(p.month)) p.onMonth(target.slice(0, 7), false);
  }

  function onKeyDown(e: KeyboardEvent, d: string) {
    const column = (weekdayOf(d) - locale.weekStart + 7) % 7;
    const next = rtl ? -1 : 1;
    switch (e.key) {
      case 'ArrowRight': moveTo(addDays(d, next)); break;
      case 'ArrowLeft': moveTo(addDays(d, -next)); break;
      case 'ArrowDown': moveTo(addDays(d, 7)); break;
      case 'ArrowUp': moveTo(addDays(d, -7)); break;
      case 'Home': moveTo(addDays(d, -column)); break;
      case 'End': moveTo(addDays(d, 6 - column)); break;
      case 'PageUp': moveTo(addMonthsToDay(d, e.shiftKey ? -12 : -1)); break;
      case 'PageDown': moveTo(addMonthsToDay(d, e.shiftKey ? 12 : 1)); break;
      default: return;
    }
    e.preventDefault();
  }

  const monthId = 'ae-month-label';
  return (
    <div class="ae-cal">
      <div class="ae-cal-head">
        <button type="button" class="ae-icon" disabled={p.month <= p.today.slice(0, 7)} onClick={() => p.onMonth(addMonths(p.month, -1), true)}>
          <span aria-hidden="true" class="ae-flip">‹</span>
          <span class="ae-sr">{t.prevMonth}</span>
        </button>
        <h3 class="ae-month" id={monthId} aria-live="polite">
          {formatMonth(p.month, locale.tag)}
        </h3>
        <button type="button" class="ae-icon" disabled={addMonths(p.month, 1) > p.lastDay.slice(0, 7)} onClick={() => p.onMonth(addMonths(p.month, 1), true)}>
          <span aria-hidden="true" class="ae-flip">›</span>
          <span class="ae-sr">{t.nextMonth}</span>
        </button>
      </div>
      <p id="ae-grid-help" class="ae-sr">
        {t.gridHelp}
      </p>
      <table ref={grid} role="grid" class={narrowHeads ? 'ae-grid ae-narrow-heads' : 'ae-grid'} aria-labelledby={monthId} aria-describedby="ae-grid-help" aria-busy={p.days === null}>
        <thead>
          <tr>
            {names.map((n) => (
              <th scope="col" key={n.long}>
                <abbr title={n.long}>
                  <span class="ae-wd">{n.short}</span>
                  <span class="ae-wd-narrow">{n.narrow}</span>
                </abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((d, j) =>
                d ? (
                  <td key={j} role="gridcell" aria-selected={d === p.selected ? 'true' : undefined}>
                    <button
                      type="button"
                      class="ae-day"
                      data-day={d}
                      tabIndex={d === active ? 0 : -1}
                      aria-label={bookable(d) ? t.dayFree(free.get(d)!, { day: formatDay(d, locale.tag) }) : t.dayFull({ day: formatDay(d, locale.tag) })}
                      aria-disabled={bookable(d) ? undefined : 'true'}
                      aria-current={d === p.today ? 'date' : undefined}
                      onKeyDown={(e) => onKeyDown(e, d)}
                      onClick={() => {
                        setFocusDay(d);
                        if (bookable(d)) p.onSelect(d);
                      }}
                    >
                      {formatNumber(Number(d.slice(8)), locale.tag)}
                    </button>
                  </td>
                ) : (
                  <td key={j} role="gridcell" />
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {p.days && !p.days.some((d) => d.available > 0 && d.date >= p.today) && <p class="ae-muted">{t.noFreeDays}</p>}
    </div>
  );
}
