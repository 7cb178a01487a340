import type { CarryOverReport } from '../db/carry-over';
import type { MigrationReport } from '../db/migrate';

/**
 * What `npm run migrate` prints: what it created, what it changed (additively), what it
 * carried over from the original AppointEase plugin, what it left alone, and any problem.
 * Table names keep their prefix so the operator can find them; values are never secrets
 * (plugin-options.ts names those without showing them).
 */
export function formatMigrationOutput(m: MigrationReport, carry: CarryOverReport | null): string {
  const out: string[] = [];
  const section = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    out.push(title, ...lines.map((l) => `  ${l}`), '');
  };

  section(`Created (${m.createdTables.length} table${m.createdTables.length === 1 ? '' : 's'}):`, m.createdTables);

  const relaxed = new Set(m.relaxedColumns);
  const changes = new Map<string, { columns: string[]; widened: string[]; indexes: string[] }>();
  const of = (qualified: string) => {
    const dot = qualified.indexOf('.');
    const table = qualified.slice(0, dot);
    if (!changes.has(table)) changes.set(table, { columns: [], widened: [], indexes: [] });
    return { entry: changes.get(table)!, name: qualified.slice(dot + 1) };
  };
  for (const c of m.addedColumns) {
    const { entry, name } = of(c);
    entry.columns.push(relaxed.has(c) ? `${name} (NULL-able: existing rows have no value)` : name);
  }
  for (const c of m.widenedColumns) {
    const { entry, name } = of(c);
    entry.widened.push(name);
  }
  for (const i of m.addedIndexes) {
    const { entry, name } = of(i);
    entry.indexes.push(name === 'PRIMARY' ? 'primary key' : name);
  }
  section(
    'Changed (added to existing tables, varchar columns widened; no row touched):',
    [...changes].map(([table, c]) =>
      [
        c.columns.length ? `+ column${c.columns.length > 1 ? 's' : ''} ${c.columns.join(', ')}` : '',
        c.widened.length ? `${c.widened.join(', ')} widened to the definition's length` : '',
        c.indexes.length ? `+ index${c.indexes.length > 1 ? 'es' : ''} ${c.indexes.join(', ')}` : '',
      ]
        .filter(Boolean)
        .reduce((line, part) => `${line}${line.endsWith(':') ? ' ' : '; '}${part}`, `${table}:`),
    ),
  );

  if (carry?.found) {
    const carried = carry.earlier
      ? [`nothing now: carried over on ${carry.earlier} already; our settings are the ones in use since then`]
      : carry.carried.length
        ? carry.carried
        : ['nothing: every setting it maps to was already set here'];
    section('Carried over from the AppointEase plugin (WordPress options):', carried);
  }

  const leftAlone = [
    ...(m.upToDateTables.length
      ? [`${m.upToDateTables.length} table${m.upToDateTables.length === 1 ? '' : 's'} already complete: ${m.upToDateTables.join(', ')}`]
      : []),
    ...m.equivalentIndexes.map((e) => `${e.replace(' = ', ': served by the existing index ')}`),
    ...(m.foreign.length ? [`${m.foreign.join(', ')}: not in our definition, kept as they are`] : []),
    ...(carry?.leftAlone ?? []),
    ...notCarried(carry),
  ];
  section('Left alone:', leftAlone);

  section(`Problems (${m.problems.length}; everything else was done — fix these and run again):`, m.problems);

  if (m.createdTables.length + m.addedColumns.length + m.widenedColumns.length + m.addedIndexes.length === 0 && m.problems.length === 0)
    out.unshift('Schema is up to date.', '');
  return out.join('\n').trimEnd();
}

/** The plugin's values without a counterpart, grouped by why; listed in full only on the run that carries over. */
function notCarried(carry: CarryOverReport | null): string[] {
  if (!carry?.notCarried.length) return [];
  if (carry.earlier) return [`${carry.notCarried.length} of the plugin's values have no counterpart here (listed by the run that carried the settings over)`];
  const byWhy = new Map<string, string[]>();
  for (const n of carry.notCarried) byWhy.set(n.why, [...(byWhy.get(n.why) ?? []), n.from]);
  return ['From the plugin, not carried over:', ...[...byWhy].flatMap(([why, froms]) => [`  ${froms.join('; ')}`, `    → ${why}`])];
}
