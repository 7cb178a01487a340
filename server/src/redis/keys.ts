/**
 * Every Redis key and channel, in one place, behind REDIS_KEY_PREFIX.
 * Shapes follow the blueprint (`slot:{date}:{time}:emp{id}`, `avail:{date}:emp{id}`,
 * `otp:{email}`, `session:{token}`, `rate:{type}:{id}`, channel `slot_updates`).
 */
export function redisKeys(prefix: string) {
  return {
    prefix,
    slot: (date: string, time: string, employeeId: number) => `${prefix}slot:${date}:${time}:emp${employeeId}`,
    /** Sorted set of the day's locks for one employee, scored by expiry (ms); replaces KEYS scans. */
    lockIndex: (date: string, employeeId: number) => `${prefix}locks:${date}:emp${employeeId}`,
    /** Sorted set of employee-days with locks (member `date|employeeId`, score = earliest expiry in that day's index): the sweeper's and admin list's entry point. */
    lockDays: () => `${prefix}locks:days`,
    /** Per-client sorted set of held lock ids scored by expiry (cap MAX_LOCKS_PER_CLIENT). */
    clientLocks: (clientId: string) => `${prefix}locks:client:${clientId}`,
    availability: (date: string, employeeId: number) => `${prefix}avail:${date}:emp${employeeId}`,
    availabilityGeneration: (date: string, employeeId: number) => `${prefix}avail-gen:${date}:emp${employeeId}`,
    catalogueGeneration: () => `${prefix}catalogue-gen`,
    /** Bumped by every webhook change (services/active-webhooks.ts): each instance's in-memory list is tagged with it. */
    webhooksGeneration: () => `${prefix}webhooks-gen`,
    otp: (email: string) => `${prefix}otp:${email}`,
    session: (tokenHash: string) => `${prefix}session:${tokenHash}`,
    /** Present while Redis holds every session MySQL does (missing after a restart without persistence, a flush, a first start). */
    sessionsCopied: () => `${prefix}sessions-copied`,
    rate: (type: string, id: string) => `${prefix}rate:${type}:${id}`,
    /** Present while Redis holds every failure-budget counter MySQL does (missing after a restart without persistence, a flush, a first start). */
    budgetsCopied: () => `${prefix}budgets-copied`,
    /** One failure-budget reservation, kept a minute: the script's retry after a late reply finds it (redis/scripts/budget-reserve.lua). */
    budgetReservation: (id: string) => `${prefix}budget-reservation:${id}`,
    /** Taken by the first batch of a seeding of the budget counters; a flush between batches removes it (redis/scripts/budget-seed.lua). */
    budgetsCopyEpoch: () => `${prefix}budgets-copy-epoch`,
    /** Written by the breaker's probe: Redis is back only once it takes a write (a replica answers PING but refuses writes). */
    breakerProbe: () => `${prefix}breaker-probe`,
    slotUpdatesChannel: () => `${prefix}slot_updates`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
