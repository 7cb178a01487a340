import { ApiError } from './api';
import type { Messages } from './i18n';

/** What to offer after an error: the button that gets the visitor going again. */
export type NextStep = 'chooseTime' | 'newCode' | 'retry' | null;

export interface Explained {
  text: string;
  next: NextStep;
}

/** Plain words and the next step for any failure; unknown errors never show raw server text. */
export function explain(err: unknown, t: Messages): Explained {
  const code = err instanceof ApiError ? err.code : 'generic';
  const e = t.errors;
  switch (code) {
    case 'slot_taken':
    case 'slot_unavailable':
    case 'lock_invalid':
    case 'lock_not_found':
      return { text: code === 'lock_invalid' || code === 'lock_not_found' ? e.lock_invalid : e[code], next: 'chooseTime' };
    case 'too_many_locks':
      return { text: e.too_many_locks, next: null };
    case 'rate_limited':
      return { text: e.rate_limited((err as ApiError).retryAfter ?? 60), next: null };
    case 'too_many_attempts':
      return { text: e.too_many_attempts, next: 'newCode' };
    case 'invalid_otp':
      return { text: e.invalid_otp, next: null };
    case 'unauthorized':
      return { text: e.unauthorized, next: 'newCode' };
    case 'not_found':
      return { text: e.not_found, next: null };
    case 'network':
      return { text: e.network, next: 'retry' };
    default:
      return { text: e.generic, next: 'retry' };
  }
}
