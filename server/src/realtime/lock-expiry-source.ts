import { isoUtc } from '../domain/time';
import type { LockInfo, LockStore } from '../stores/lock-store';
import type { ExpiredLock, ExpiredLockSource } from './expiry-sweeper';

/** Only what the sweeper calls of the lock store. */
type LockStoreView = Pick<LockStore, 'takeExpired' | 'listDay'>;

/** Adapts the slot lock store (both of its stores) to the expiry sweeper. */
export function lockExpirySource(store: LockStoreView): ExpiredLockSource {
  return {
    takeExpired: async () => (await store.takeExpired()).map(toEvent),
    liveLocks: async (date, employeeId) => (await store.listDay(date, employeeId)).map(toEvent),
  };
}

function toEvent(l: LockInfo): ExpiredLock {
  return { date: l.date, time: l.time, times: l.times, employeeId: l.employeeId, serviceId: l.serviceId, owner: l.owner, expiresAt: isoUtc(l.expiresAt) };
}
