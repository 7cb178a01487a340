// The calendar's picture: one column per day (a staff member's week) or per staff member (one
// day), the hours down the side, working hours shaded, appointments and holds as blocks placed
// by their times. Props in, clicks out; what the blocks are is decided by the page.
import type { ComponentChildren } from 'preact';
import { clock, lanes, type Span } from './layout';

/** Pixels per minute: an hour is 80 px, so a 30-minute block has room for two lines. */
const PPM = 80 / 60;

export interface CalendarColumn {
  key: string;
  title: ComponentChildren;
  /** The column's accessible name (its title in words). */
  label: string;
  working: Span[];
  /** Minutes since midnight of "now", when this column is today. */
  now: number | null;
}

export interface CalendarBlock extends Span {
  key: string;
  column: string;
  kind: 'appointment' | 'hold';
  /** For styling: the appointment's status. */
  status?: string;
  content: ComponentChildren;
  /** Attributes tests and styles find blocks by. */
  data: Record<`data-${string}`, string>;
  onOpen?(): void;
}

export function CalendarGrid({ columns, blocks, axis }: { columns: CalendarColumn[]; blocks: CalendarBlock[]; axis: Span }) {
  const height = (axis.end - axis.start) * PPM;
  const y = (minutes: number) => (Math.min(Math.max(minutes, axis.start), axis.end) - axis.start) * PPM;
  const hours: number[] = [];
  for (let h = axis.start; h < axis.end; h += 60) hours.push(h);
  return (
    <div class="appointease-cal" style={{ '--appointease-cols': String(columns.length) }}>
      <div class="appointease-cal-head" aria-hidden="true">
        <div class="appointease-cal-gutter" />
        {columns.map((c) => (
          <div key={c.key} class={c.now !== null ? 'appointease-cal-title appointease-cal-today' : 'appointease-cal-title'}>
            {c.title}
          </div>
        ))}
      </div>
      <div class="appointease-cal-body" style={{ height: `${height}px`, '--appointease-hour': `${60 * PPM}px` }}>
        <div class="appointease-cal-gutter" aria-hidden="true">
          {hours.map((h) => (
            <span key={h} class="appointease-cal-hour" style={{ top: `${y(h)}px` }}>
              {clock(h)}
            </span>
          ))}
        </div>
        {columns.map((c) => {
          const mine = blocks.filter((b) => b.column === c.key).sort((a, b) => a.start - b.start);
          const placed = lanes(mine);
          return (
            <section key={c.key} class="appointease-cal-col" data-column={c.key} aria-label={c.label}>
              {c.working.map((w) => (
                <div key={`w${w.start}`} class="appointease-cal-work" style={{ top: `${y(w.start)}px`, height: `${y(w.end) - y(w.start)}px` }} />
              ))}
              {mine.map((b) => {
                const { lane, of } = placed.get(b)!;
                const style = {
                  top: `${y(b.start)}px`,
                  height: `${Math.max(y(b.end) - y(b.start), 18)}px`,
                  left: `calc(${(lane * 100) / of}% + 2px)`,
                  width: `calc(${100 / of}% - 4px)`,
                };
                const cls = `appointease-cal-block appointease-cal-${b.kind}${b.status ? ` appointease-cal-${b.status}` : ''}`;
                return b.onOpen ? (
                  <button key={b.key} type="button" class={cls} style={style} onClick={b.onOpen} {...b.data}>
                    {b.content}
                  </button>
                ) : (
                  <div key={b.key} class={cls} style={style} {...b.data}>
                    {b.content}
                  </div>
                );
              })}
              {c.now !== null && c.now >= axis.start && c.now <= axis.end && <div class="appointease-cal-now" style={{ top: `${y(c.now)}px` }} aria-hidden="true" />}
            </section>
          );
        })}
      </div>
    </div>
  );
}
