// Message catalogs are plain data, so every language but English can travel as a small
// JSON file loaded on demand: strings with `{name}` placeholders, and plural forms
// chosen by Intl.PluralRules (`{n}` is the count, formatted by Intl.NumberFormat).
// `compile` turns a catalog into the typed functions the components call.

export type PluralForms = { [K in Intl.LDMLPluralRule]?: string } & { other: string };

type Placeholders<S extends string> = S extends `${string}{${infer V}}${infer Rest}` ? V | Placeholders<Rest> : never;
export type Vars = Record<string, string | number>;

/** The shape of a catalog with every string widened: what a translation must provide. */
export type Catalog<T> = {
  [K in keyof T]: T[K] extends string ? string : T[K] extends { other: string } ? PluralForms : Catalog<T[K]>;
};

/** What components call: plain strings, functions of their placeholders, functions of a count. */
export type Compiled<T> = {
  [K in keyof T]: T[K] extends string
    ? [Placeholders<T[K]>] extends [never]
      ? string
      : (vars: Record<Placeholders<T[K]>, string | number>) => string
    : T[K] extends { other: string }
      ? (n: number, vars?: Vars) => string
      : Compiled<T[K]>;
};

const isPlural = (v: object): v is PluralForms => typeof (v as PluralForms).other === 'string';

/** Every `{name}` of a string (for the test that translations keep their placeholders). */
export function placeholdersOf(s: string): string[] {
  return [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
}

export function compile<T extends object>(catalog: Catalog<T>, tag: string): Compiled<T> {
  const rules = new Intl.PluralRules(tag);
  const numbers = new Intl.NumberFormat(tag);
  const fill = (s: string, vars: Vars) =>
    s.replace(/\{(\w+)\}/g, (whole, k: string) => {
      const v = vars[k];
      return v === undefined ? whole : typeof v === 'number' ? numbers.format(v) : v;
    });
  const walk = (node: object): object => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string') out[k] = v.includes('{') ? (vars: Vars) => fill(v, vars) : v;
      else if (isPlural(v)) out[k] = (n: number, vars: Vars = {}) => fill(v[rules.select(n)] ?? v.other, { ...vars, n });
      else out[k] = walk(v);
    }
    return out;
  };
  return walk(catalog) as Compiled<T>;
}

/**
 * A translation over the English one: anything it lacks (a file cached from an
 * older version, say) shows in English rather than as a hole.
 */
export function overlay<T extends object>(base: Catalog<T>, over: unknown): Catalog<T> {
  if (!over || typeof over !== 'object') return base;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) {
    const o = (over as Record<string, unknown>)[k];
    if (typeof v === 'string') out[k] = typeof o === 'string' ? o : v;
    else if (isPlural(v as object)) out[k] = o && typeof o === 'object' && typeof (o as PluralForms).other === 'string' ? o : v;
    else out[k] = overlay(v as object, o);
  }
  return out as Catalog<T>;
}
