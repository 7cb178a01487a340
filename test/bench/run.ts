/**
 * `npm run bench [-- name…]`: runs the benchmark modules one after another
 * (never side by side: they would measure each other). Each module exports
 * `run()`, owns its database and key prefix, and prints its own table.
 */
const BENCHES: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  availability: () => import('./availability'),
  locks: () => import('./locks' as string),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : Object.keys(BENCHES);
  for (const name of names) {
    const load = BENCHES[name];
    if (!load) throw new Error(`Unknown benchmark "${name}" (known: ${Object.keys(BENCHES).join(', ')})`);
    let mod: { run: () => Promise<void> };
    try {
      mod = await load();
    } catch (err: any) {
      // A benchmark module another part has not delivered yet is skipped, not fatal.
      if (err?.code === 'ERR_MODULE_NOT_FOUND' && !wanted.length) continue;
      throw err;
    }
    console.log(`\n== ${name} ==`);
    await mod.run();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
