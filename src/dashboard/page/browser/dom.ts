/**
 * Small helpers for building the page's elements: HTML and SVG elements with their class and
 * text, and lookups that fail loudly (a missing element is a bug of the markup, not a state).
 */
const SVG_NS = 'http://www.w3.org/2000/svg';

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string | null, text?: string | null): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export type SvgAttributes = Readonly<Record<string, string | number>>;

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attributes: SvgAttributes = {}, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The element with this id, of this type. */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return node;
}

/** The first element under `root` matching `selector`, of this type. */
export function find<T extends Element>(root: ParentNode, selector: string, type: abstract new () => T): T {
  const node = root.querySelector(selector);
  if (!(node instanceof type)) throw new Error(`the page has no ${type.name} ${selector}`);
  return node;
}

/** Sets a live value; one that changed (not the first) flashes briefly. */
export function setText(node: HTMLElement, text: string): void {
  if (node.textContent === text) return;
  const changed = node.textContent !== '' && node.textContent !== '—';
  node.textContent = text;
  if (changed) {
    node.classList.remove('bump');
    // Reading the layout restarts the animation on the same element.
    void node.offsetWidth;
    node.classList.add('bump');
  }
}

/** One figure of a definition list: its label, its value, and what it is in the tooltip. */
export function stat(label: string, value: string, className = '', title = ''): HTMLDivElement {
  const div = h('div');
  const dd = h('dd', className, value);
  if (title) dd.title = title;
  div.append(h('dt', null, label), dd);
  return div;
}
