import { useReducer, useRef } from 'preact/hooks';
import { initialState, reducer, type Action, type FlowStart, type FlowState } from '../state';

/**
 * The booking flow's state. `dispatch` is for the visitor's own actions, which
 * count as interaction (a step heading may then take focus); `auto` is for
 * steps the widget takes by itself, which never move focus on page load.
 */
export function useFlow(start: FlowStart = {}) {
  const [state, auto] = useReducer(reducer, start, initialState);
  const interacted = useRef(false);
  const current = useRef<FlowState>(state);
  current.current = state;
  const dispatch = (a: Action) => {
    interacted.current = true;
    auto(a);
  };
  return { state, dispatch, auto, current, mayFocus: () => interacted.current };
}
