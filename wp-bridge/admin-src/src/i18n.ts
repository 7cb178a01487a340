// The bundle's strings go through WordPress's own wp.i18n (the script depends on `wp-i18n`;
// PHP hands it the plugin's JSON translations with wp_set_script_translations). Calls keep
// WordPress's shape, `__( 'Text', 'appointease-bridge' )`, so `wp i18n make-pot` finds them.
// Without wp.i18n (a page that did not load it) the English text is used as is.

export const DOMAIN = 'appointease-bridge';
type Domain = typeof DOMAIN;

interface WpI18n {
  __(text: string, domain: string): string;
  _n(single: string, plural: string, n: number, domain: string): string;
  sprintf(format: string, ...args: unknown[]): string;
}

const wpI18n = (): WpI18n | undefined => (globalThis as { wp?: { i18n?: WpI18n } }).wp?.i18n;

export function __(text: string, domain: Domain): string {
  return wpI18n()?.__(text, domain) ?? text;
}

export function _n(single: string, plural: string, n: number, domain: Domain): string {
  return wpI18n()?._n(single, plural, n, domain) ?? (n === 1 ? single : plural);
}

/** printf-style `%s`, `%d` and numbered `%1$s` placeholders, as translators write them. */
export function sprintf(format: string, ...args: Array<string | number>): string {
  const wp = wpI18n();
  if (wp) return wp.sprintf(format, ...args);
  let next = 0;
  return format.replace(/%(?:(\d+)\$)?([sd%])/g, (_m, index: string | undefined, type: string) => {
    if (type === '%') return '%';
    const value = args[index ? Number(index) - 1 : next++];
    return type === 'd' ? String(Math.trunc(Number(value))) : String(value);
  });
}
