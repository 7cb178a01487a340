import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU nanoseconds a process has run, all its threads (schedstat: exact,
 * unlike the 10 ms ticks of stat); with `withChildren`, its children's too
 * (the cluster's primary and workers). 0 when it is gone or this is not Linux.
 */
export function processCpuNs(pid: number | undefined, withChildren = false): number {
  if (!pid) return 0;
  let ns = 0;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    if (withChildren) {
      for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) ns += processCpuNs(Number(child), true);
    }
  } catch {
    // gone, or not Linux
  }
  return ns;
}

/** redis-server's own CPU seconds, user and system, from its `INFO cpu` text. */
export function redisCpuSeconds(info: string): number {
  const of = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return of('used_cpu_user') + of('used_cpu_sys');
}
