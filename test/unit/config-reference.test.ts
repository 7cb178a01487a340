import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KNOWN_VARIABLES, parseConfig, variableDocs } from '../../server/src/config';
import { ENV_EXAMPLE, README, readmeWithTable, renderEnvExample } from '../../scripts/config-reference';
import { parseDotenv, parseSystemdEnvironmentFile } from '../helpers/env-files';

/** The README's configuration table and .env.example come from the config schema (Issue 14 item 5, Issue 17 item 2). */
describe('configuration reference', () => {
  it('the README table is the one generated from the schema (run: npm run docs:config)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme === readmeWithTable(readme), 'README.md configuration table is stale: npm run docs:config').toBe(true);
  });

  it('.env.example is the one generated from the schema (run: npm run docs:config)', () => {
    expect(readFileSync(ENV_EXAMPLE, 'utf8') === renderEnvExample(), '.env.example is stale: npm run docs:config').toBe(true);
  });

  it('documents every variable, with the range of every bounded one', () => {
    const docs = variableDocs();
    expect(docs.map((d) => d.name)).toEqual([...KNOWN_VARIABLES]);
    for (const { name, meta } of docs) expect(meta.doc.length, name).toBeGreaterThan(10);
    const readme = readFileSync(README, 'utf8');
    // The ceiling a site owner runs into first (Issue 14): stated, with the real bounds.
    expect(readme).toMatch(/\| `MAX_LOCKS_PER_CLIENT` \| `3` \| 1–1000 \|/);
    expect(() => parseConfig({ NODE_ENV: 'test', MAX_LOCKS_PER_CLIENT: '1001' })).toThrow(/between 1 and 1000/);
  });

  it('.env.example copies into .env and systemd alike: nothing set as shipped, every line valid once uncommented', () => {
    const example = readFileSync(ENV_EXAMPLE, 'utf8');
    expect(parseDotenv(example)).toEqual({});
    expect(parseSystemdEnvironmentFile(example)).toEqual({});
    const uncommented = example.replace(/^#([A-Z][A-Z0-9_]*=)/gm, '$1');
    const dotenv = parseDotenv(uncommented);
    expect(parseSystemdEnvironmentFile(uncommented)).toEqual(dotenv);
    expect(Object.keys(dotenv).sort()).toEqual([...KNOWN_VARIABLES].sort());
    const config = parseConfig({ ...dotenv, NODE_ENV: 'development' });
    expect(config.warnings).toEqual([]);
    expect(config.port).toBe(8787);
    expect(config.mail.from).toBe('Example Salon <bookings@example.com>');
  });
});
