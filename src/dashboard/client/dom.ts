/**
 * Building the page from data: every string from the ledger (agent names, session ids, models, reasons)
 * is user-controlled, so it only ever becomes a text node, never markup.
 */

type Child = Node | string | number | null | undefined | false;

/** An element with attributes and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string | undefined>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs))
    if (value !== undefined) element.setAttribute(name, value);
  append(element, children);
  return element;
}

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export interface Column<T> {
  readonly title: string;
  readonly cell: (row: T) => Child;
  /** Numbers are right-aligned. */
  readonly numeric?: boolean;
  /** A name for tests and styles (`data-col`). */
  readonly key?: string;
  /** A tooltip for the cell. */
  readonly hint?: (row: T) => string | undefined;
}

/** A table of rows; `empty` is shown in a single cell when there are none. */
export function table<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: { readonly empty: string; readonly rowTestId?: string; readonly footer?: T },
): HTMLTableElement {
  const cells = (row: T, tag: 'td' | 'th') =>
    columns.map((column) =>
      h(
        tag,
        {
          class: column.numeric ? 'num' : undefined,
          'data-col': column.key,
          title: column.hint?.(row),
        },
        column.cell(row),
      ),
    );
  const head = h(
    'thead',
    {},
    h('tr', {}, ...columns.map((c) => h('th', { class: c.numeric ? 'num' : undefined }, c.title))),
  );
  const body =
    rows.length === 0
      ? h(
          'tbody',
          {},
          h('tr', {}, h('td', { class: 'empty', colspan: String(columns.length) }, options.empty)),
        )
      : h(
          'tbody',
          {},
          ...rows.map((row) => h('tr', { 'data-testid': options.rowTestId }, ...cells(row, 'td'))),
        );
  const foot =
    options.footer === undefined || rows.length < 2
      ? null
      : h('tfoot', {}, h('tr', {}, ...cells(options.footer, 'td')));
  return h('table', {}, head, body, foot);
}
