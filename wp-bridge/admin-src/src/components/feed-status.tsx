import type { FeedState } from '../feed';
import { __ } from '../i18n';

/** The live feed's state in one line: a coloured dot and what it means for the page. */
export function FeedStatus({ state }: { state: FeedState }) {
  return (
    <p class="appointease-feed" data-state={state}>
      <span class={`appointease-dot appointease-dot--${state}`} aria-hidden="true" />{' '}
      {state === 'live'
        ? __('Live: updates arrive as they happen.', 'appointease-bridge')
        : state === 'connecting'
          ? __('Connecting to the live feed…', 'appointease-bridge')
          : __('Live feed offline; refreshing every 15 seconds.', 'appointease-bridge')}
    </p>
  );
}
