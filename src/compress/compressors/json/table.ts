import { isJsonObject } from './fields.js';

// Beyond this many columns a row stops being readable; sparse tables waste cells on absent fields.
const MAX_COLUMNS = 32;
const MIN_FILL = 0.6;
// A field in fewer items than this is left to those items' own JSON lines rather than given a column.
const MIN_COLUMN_SHARE = 0.1;
const MAX_MISFIT_SHARE = 0.1;

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
// Bare cells may not start with what opens a JSON value or a note, nor hold a delimiter, quote, escape
// or control character, nor end in a space.
const BARE_START = /^[^\s"{}[\],\\]/;
const NEEDS_QUOTES = /[",\\\p{Cc}]|\s$/u;

/**
 * How a table holds these items without loss: the columns (keys in first-seen order) and the few items
 * that have a field outside them (misfits, shown as JSON lines among the rows). Undefined when the
 * items are not objects that mostly share their keys.
 */
export interface TableLayout {
  readonly columns: readonly string[];
  readonly misfits: ReadonlySet<number>;
}

export function tableLayout(values: readonly unknown[]): TableLayout | undefined {
  const counts = new Map<string, number>();
  for (const value of values) {
    if (!isJsonObject(value)) return undefined;
    for (const key in value) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (counts.size > MAX_COLUMNS * 4) return undefined;
    }
  }
  const n = values.length;
  const columns = [...counts.keys()].filter((key) => (counts.get(key) ?? 0) >= n * MIN_COLUMN_SHARE);
  if (columns.length < 2 || columns.length > MAX_COLUMNS) return undefined;
  const inColumns = new Set(columns);
  const misfits = new Set<number>();
  let cells = 0;
  values.forEach((value, index) => {
    let own = 0;
    for (const key in value as Record<string, unknown>) {
      if (!inColumns.has(key)) {
        misfits.add(index);
        return;
      }
      own += 1;
    }
    cells += own;
  });
  const rows = n - misfits.size;
  if (misfits.size > n * MAX_MISFIT_SHARE || cells < columns.length * rows * MIN_FILL) return undefined;
  return { columns, misfits };
}

/**
 * One cell: numbers, booleans and null as JSON; strings bare when that cannot be misread (not empty,
 * no comma, quote or edge spaces, not number- or keyword-like), else JSON-quoted; objects and arrays as
 * compact JSON.
 */
export function encodeCell(value: unknown): string {
  if (typeof value === 'string') return isBare(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

function isBare(text: string): boolean {
  return (
    BARE_START.test(text) &&
    !NEEDS_QUOTES.test(text) &&
    text !== 'true' &&
    text !== 'false' &&
    text !== 'null' &&
    !JSON_NUMBER.test(text)
  );
}

/** A row of cells in column order; a field the item lacks is an empty cell. */
export function encodeRow(item: Readonly<Record<string, unknown>>, columns: readonly string[]): string {
  let row = '';
  for (let c = 0; c < columns.length; c += 1) {
    if (c > 0) row += ',';
    const key = columns[c] ?? '';
    // Own fields only: a missing `constructor` must read as absent, not as Object's.
    if (Object.hasOwn(item, key)) row += encodeCell(item[key]);
  }
  return row;
}

export function encodeHeader(columns: readonly string[]): string {
  return columns.map(encodeCell).join(',');
}
