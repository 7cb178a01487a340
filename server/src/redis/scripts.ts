import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Lua scripts live as files in ./scripts (BullMQ style): `<name>-<numberOfKeys>.lua`
 * for a fixed number of keys, `<name>.lua` when the caller passes a variable
 * number of keys. Each file opens with a comment block listing KEYS, ARGV and
 * the integer result codes.
 */
const SCRIPT_DIR = new URL('./scripts/', import.meta.url);

interface ScriptFile {
  name: string;
  numberOfKeys: number | undefined;
  lua: string;
}

let cached: Map<string, ScriptFile> | undefined;

/** Every script file by name (read once). */
function scriptFiles(): Map<string, ScriptFile> {
  if (cached) return cached;
  cached = new Map(
    readdirSync(SCRIPT_DIR)
      .filter((f) => f.endsWith('.lua'))
      .map((file) => {
        const m = /^(.+?)(?:-(\d+))?\.lua$/.exec(file)!;
        return [m[1]!, { name: m[1]!, numberOfKeys: m[2] ? Number(m[2]) : undefined, lua: readFileSync(new URL(file, SCRIPT_DIR), 'utf8') }];
      }),
  );
  return cached;
}

const defined = new WeakSet<Redis>();

/** Registers every script on a connection (ioredis then uses EVALSHA with an EVAL fallback). */
export function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const s of scriptFiles().values()) {
    redis.defineCommand(s.name, s.numberOfKeys === undefined ? { lua: s.lua } : { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  defined.add(redis);
}

/** Runs a script by name with keys and arguments; the one place that touches ioredis' dynamic commands. */
export function runScript<T = unknown>(redis: Redis, name: string, keys: string[], args: (string | number)[]): Promise<T> {
  defineScripts(redis);
  const file = scriptFiles().get(name);
  if (!file) return Promise.reject(new Error(`Unknown Lua script ${name}`));
  const fn = (redis as unknown as Record<string, (...a: unknown[]) => Promise<T>>)[name]!;
  if (file.numberOfKeys === undefined) return fn.call(redis, keys.length, ...keys, ...args);
  if (file.numberOfKeys !== keys.length) return Promise.reject(new Error(`Script ${name} takes ${file.numberOfKeys} keys, got ${keys.length}`));
  return fn.call(redis, ...keys, ...args);
}
