/**
 * The two ways a settings block reaches the sidecar outside a container: a `.env`
 * file (Node's own reader, what the sidecar uses) and systemd's EnvironmentFile=.
 * Docs blocks are checked against both, so one block serves both.
 */
import { parseEnv } from 'node:util';

export function parseDotenv(text: string): Record<string, string> {
  return { ...parseEnv(text) } as Record<string, string>;
}

/**
 * systemd's EnvironmentFile= rules (systemd.exec(5)): one KEY=VALUE per line, `#` or `;`
 * starts a comment only at the beginning of a line, surrounding quotes are removed,
 * a trailing backslash continues the line. Whatever else is on the line is the value:
 * `KEY=x # note` sets KEY to "x # note".
 */
export function parseSystemdEnvironmentFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/\\\n/g, '').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`systemd would ignore this line: ${raw}`);
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    out[key] = value;
  }
  return out;
}
