// Tiny DOM helpers: the page builds every element with these, so text always goes through
// textContent and never through an HTML parser.

type Attr = string | number | boolean | null | undefined | ((event: Event) => void);
export type Child = Node | string | number | null | undefined | false;

/**
 * Creates an element. `class` sets className; `on<event>` adds a listener; `true` sets an empty
 * attribute, `false`/null/undefined leave it out; everything else is set with setAttribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** The element with this id; a missing one is a bug in index.html, so it throws. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
}

/** Runs an async click handler with the button disabled meanwhile, reporting a failure. */
export function busy(button: HTMLButtonElement, work: () => Promise<void>, onError: (error: unknown) => void): void {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  work()
    .catch(onError)
    .finally(() => {
      button.removeAttribute('aria-busy');
      button.disabled = false;
    });
}

/** "12:04:05" in the student's local time. */
export function clock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour12: false });
}
