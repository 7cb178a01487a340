/**
 * Reconnect delay for attempt `n` (0-based): exponential up to `max`, with
 * "equal jitter" (half fixed, half random) so that many widgets dropped by one
 * server restart do not all come back in the same millisecond.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, base = 500, max = 30_000): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
