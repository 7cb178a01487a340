import { isoUtc } from '../services/time';
import type { ExpiredLock, ExpiredLockSource } from './expiry-sweeper';

/** The fields of a stored lock the sweeper needs (the lock store's LockInfo has them). */
interface StoredLock {
  date: string;
  time: string;
  times: string[];
  employeeId: number;
  serviceId: number;
  owner: string;
  /** Epoch ms. */
  expiresAt: number;
}

interface LockStoreView {
  /** Removes and returns expired locks, each once across all instances (Redis script / MySQL transaction). */
  takeExpired(limit?: number): Promise<StoredLock[]>;
  listDay(date: string, employeeId: number): Promise<StoredLock[]>;
}

/** Adapts the slot lock store (both of its stores) to the expiry sweeper. */
export function lockExpirySource(store: LockStoreView): ExpiredLockSource {
  return {
    takeExpired: async () => (await store.takeExpired()).map(toEvent),
    liveLocks: async (date, employeeId) => (await store.listDay(date, employeeId)).map(toEvent),
  };
}

function toEvent(l: StoredLock): ExpiredLock {
  return { date: l.date, time: l.time, times: l.times, employeeId: l.employeeId, serviceId: l.serviceId, owner: l.owner, expiresAt: isoUtc(l.expiresAt) };
}
