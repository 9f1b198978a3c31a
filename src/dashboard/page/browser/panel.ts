/**
 * A panel of the page and its states. Every panel is drawn from one endpoint: `ready` with data,
 * `empty` when the data holds nothing yet, `error` when this refresh failed (the last good data
 * stays, dimmed, and the message says from when it is), `loading` until the first answer.
 */
import type { Endpoint } from './api.js';

export type PanelState = 'loading' | 'ready' | 'empty' | 'error';

export interface Panel {
  readonly endpoint: Endpoint<unknown>;
  /** Draws the endpoint's newest data and shows this refresh's state. */
  render(): void;
}

export function setPanel(panel: HTMLElement, state: PanelState, message: string | null, hasData: boolean): void {
  panel.dataset.state = state;
  panel.dataset.hasData = hasData ? 'yes' : 'no';
  const box = panel.querySelector('.msg.error');
  if (box) box.textContent = state === 'error' ? message ?? '' : '';
}

/** `error` when the refresh failed, else `empty` or `ready` as the data says. */
export function stateOf(failure: string | null, empty: boolean): PanelState {
  return failure !== null ? 'error' : empty ? 'empty' : 'ready';
}
