import { useEffect, useRef, type MutableRef } from 'preact/hooks';
import type { Api } from '../api';
import { holdToRelease, type Action, type FlowState } from '../state';
import type { Hold } from '../types';

const release = (api: Api, h: Hold, keepalive = false) =>
  api.unlock({ date: h.date, time: h.time, employeeId: h.employeeId, lockToken: h.lockToken }, keepalive).catch(() => {
    // Already expired or consumed: the server's TTL frees it anyway.
  });

/**
 * A hold is given back as soon as the visitor leaves it behind (back, start
 * over, manage), leaves the page, or the element is removed; keepalive lets
 * the request outlive the page. A page restored from the back/forward cache
 * has lost its hold.
 */
export function useHoldRelease(api: Api, state: FlowState, current: MutableRef<FlowState>, auto: (a: Action) => void): void {
  const prev = useRef(state);
  useEffect(() => {
    const h = holdToRelease(prev.current, state);
    prev.current = state;
    if (h) release(api, h);
  }, [state]);

  useEffect(() => {
    const onHide = () => {
      const h = current.current.hold;
      if (h) release(api, h, true);
    };
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted && current.current.hold) auto({ type: 'holdLost' });
    };
    addEventListener('pagehide', onHide);
    addEventListener('pageshow', onShow);
    return () => {
      removeEventListener('pagehide', onHide);
      removeEventListener('pageshow', onShow);
      onHide();
    };
  }, [api]);
}
