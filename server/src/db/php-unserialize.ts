/**
 * Reads WordPress option values: PHP's serialize() format for scalars and arrays,
 * the only shapes update_option() stores for the AppointEase plugin's settings.
 * Objects and references are refused (PHP would instantiate classes from them; a
 * settings row never needs them). String lengths are in bytes, as PHP counts them.
 */
export type PhpValue = null | boolean | number | string | PhpValue[] | { [key: string]: PhpValue };

export class PhpUnserializeError extends Error {}

/** WordPress's maybe_unserialize(): serialized text is decoded, anything else is returned as it is. */
export function maybeUnserialize(raw: string | Buffer | null | undefined): PhpValue {
  if (raw === null || raw === undefined) return null;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  if (!isSerialized(text)) return text;
  return unserialize(text);
}

/** WordPress's is_serialized(), for the shapes decoded here. */
export function isSerialized(text: string): boolean {
  const t = text.trim();
  if (t === 'N;') return true;
  return /^(?:[bid]:[^;]*;|s:\d+:".*";|a:\d+:\{.*\})$/s.test(t);
}

export function unserialize(text: string): PhpValue {
  const bytes = Buffer.from(text.trim(), 'utf8');
  let at = 0;

  const fail = (what: string): never => {
    throw new PhpUnserializeError(`not a PHP serialized value: ${what} at byte ${at}`);
  };
  const expect = (char: string) => {
    if (bytes[at] !== char.charCodeAt(0)) fail(`expected "${char}"`);
    at++;
  };
  const until = (char: string): string => {
    const end = bytes.indexOf(char.charCodeAt(0), at);
    if (end < 0) fail(`missing "${char}"`);
    const s = bytes.toString('latin1', at, end);
    at = end + 1;
    return s;
  };
  const integer = (s: string): number => {
    if (!/^-?\d+$/.test(s)) fail(`bad integer "${s}"`);
    return Number(s);
  };

  const value = (depth: number): PhpValue => {
    if (depth > 32) fail('nesting too deep');
    const type = String.fromCharCode(bytes[at] ?? 0);
    at++;
    if (type === 'N') {
      expect(';');
      return null;
    }
    expect(':');
    switch (type) {
      case 'b': {
        const v = until(';');
        if (v !== '0' && v !== '1') fail(`bad boolean "${v}"`);
        return v === '1';
      }
      case 'i':
        return integer(until(';'));
      case 'd': {
        const v = until(';');
        const n = v === 'INF' ? Infinity : v === '-INF' ? -Infinity : Number(v);
        if (Number.isNaN(n) && v !== 'NAN') fail(`bad float "${v}"`);
        return n;
      }
      case 's': {
        const length = integer(until(':'));
        expect('"');
        if (at + length > bytes.length) fail('string runs past the end');
        const s = bytes.toString('utf8', at, at + length);
        at += length;
        expect('"');
        expect(';');
        return s;
      }
      case 'a': {
        const count = integer(until(':'));
        expect('{');
        const entries: [string | number, PhpValue][] = [];
        for (let i = 0; i < count; i++) {
          const key = value(depth + 1);
          if (typeof key !== 'string' && typeof key !== 'number') fail('array key that is neither int nor string');
          entries.push([key as string | number, value(depth + 1)]);
        }
        expect('}');
        // A list (keys 0..n-1 in order) reads as an array, anything else as an object.
        if (entries.every(([k], i) => k === i)) return entries.map(([, v]) => v);
        return Object.fromEntries(entries.map(([k, v]) => [String(k), v]));
      }
      default:
        return fail(`unsupported type "${type}" (objects and references are refused)`);
    }
  };

  const result = value(0);
  if (at !== bytes.length) fail('trailing data');
  return result;
}
