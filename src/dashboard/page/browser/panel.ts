/**
 * A panel of the page and its states. Every panel is drawn from one endpoint: `ready` with data,
 * `empty` when the data holds nothing yet, `error` when this refresh failed (the last good data
 * stays, dimmed, and the message says from when it is), `loading` until the first answer.
 */
import { Endpoint } from './api.js';
import { byId } from './dom.js';

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

/** How a panel drawn from one endpoint shows what it has. */
export interface PanelView<T> {
  /** The data to show. @default the endpoint's newest good answer */
  readonly data?: (endpoint: Endpoint<T>) => T | undefined;
  /** Draws `data` (undefined before a first good answer); `failure`: why this refresh failed, or null. */
  readonly draw: (data: T | undefined, failure: string | null) => void;
  /** Whether there is nothing to show yet (the `empty` state). */
  readonly isEmpty: (data: T | undefined) => boolean;
}

/** The panel `panel` (an element, or its id), drawn from the endpoint at `path` after every refresh. */
export function endpointPanel<T>(path: string, panel: HTMLElement | string, view: PanelView<T>): Panel & { readonly endpoint: Endpoint<T> } {
  const endpoint = new Endpoint<T>(path);
  const section = typeof panel === 'string' ? byId(panel, HTMLElement) : panel;
  return {
    endpoint,
    render() {
      const data = view.data ? view.data(endpoint) : endpoint.last?.data;
      const failure = endpoint.failure();
      view.draw(data, failure);
      setPanel(section, stateOf(failure, view.isEmpty(data)), failure, data !== undefined);
    },
  };
}
