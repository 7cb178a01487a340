export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `condition` holds — "until the database or a receiver says so", never for a fixed
 * time — and names `what` it waited for when it gives up. The default stays under vitest's
 * 30 s test timeout, so the name is what a failure reports; a longer wait passes its own.
 */
export async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000, stepMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(stepMs);
  }
}
