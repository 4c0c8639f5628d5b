import { formatCount } from '../../signals.js';
import type { FieldTable } from './fields.js';
import { formatNumber, formatScalar } from './format.js';

const MAX_FIELDS = 12;
const LISTED_VALUES = 5;
const TOP_VALUES = 3;

/**
 * Per-field statistics of the omitted items, e.g.
 * `price: 0.1–99.2 (mean 50.3); status: ok ×970, degraded ×6; active: true ×500, false ×476`.
 */
export function summarizeFields(table: FieldTable, indices: readonly number[]): string {
  const parts: string[] = [];
  let skipped = 0;
  const paths = [...table.columns.keys()];
  for (const path of paths) {
    const column = table.columns.get(path);
    if (column === undefined) continue;
    const hasChildren = paths.some((other) => other.startsWith(`${path}.`));
    const text = describeField(column, indices, hasChildren);
    if (text === undefined) continue;
    if (parts.length >= MAX_FIELDS) skipped += 1;
    else parts.push(path === '' ? text : `${path}: ${text}`);
  }
  if (skipped > 0) parts.push(`${formatCount(skipped)} more fields`);
  return parts.join('; ');
}

function describeField(
  column: readonly unknown[],
  indices: readonly number[],
  hasChildren: boolean,
): string | undefined {
  let numbers = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let trues = 0;
  let falses = 0;
  let nulls = 0;
  let objects = 0;
  let arrays = 0;
  let missing = 0;
  const strings = new Map<string, number>();
  for (const i of indices) {
    const value = column[i];
    if (typeof value === 'number') {
      numbers += 1;
      sum += value;
      if (value < min) min = value;
      if (value > max) max = value;
    } else if (typeof value === 'string') strings.set(value, (strings.get(value) ?? 0) + 1);
    else if (value === true) trues += 1;
    else if (value === false) falses += 1;
    else if (value === null) nulls += 1;
    else if (Array.isArray(value)) arrays += 1;
    else if (value === undefined) missing += 1;
    else objects += 1;
  }
  const parts: string[] = [];
  if (numbers > 0) {
    parts.push(
      min === max
        ? formatNumber(min)
        : `${formatNumber(min)}–${formatNumber(max)} (mean ${formatNumber(sum / numbers)})`,
    );
  }
  if (strings.size > 0) parts.push(describeStrings(strings));
  if (trues > 0) parts.push(`true ×${formatCount(trues)}`);
  if (falses > 0) parts.push(`false ×${formatCount(falses)}`);
  if (nulls > 0) parts.push(`null ×${formatCount(nulls)}`);
  if (arrays > 0) parts.push(`array ×${formatCount(arrays)}`);
  // A nested object's own fields are summarised under `key.field`; the bare count adds nothing.
  if (objects > 0 && !hasChildren) parts.push(`object ×${formatCount(objects)}`);
  if (parts.length === 0) return undefined;
  if (missing > 0) parts.push(`missing ×${formatCount(missing)}`);
  return parts.join(', ');
}

function describeStrings(counts: ReadonlyMap<string, number>): string {
  const entries = [...counts.entries()];
  if (entries.length <= LISTED_VALUES) {
    return entries
      .sort((a, b) => b[1] - a[1])
      .map(([value, count]) => `${formatScalar(value)} ×${formatCount(count)}`)
      .join(', ');
  }
  const dates = dateRange(entries);
  if (dates !== undefined) return `${formatCount(entries.length)} distinct, ${dates}`;
  const repeated = entries.filter((entry) => entry[1] > 1).sort((a, b) => b[1] - a[1]);
  const top = repeated
    .slice(0, TOP_VALUES)
    .map(([value, count]) => `${formatScalar(value)} ×${formatCount(count)}`);
  const distinct = `${formatCount(entries.length)} distinct`;
  return top.length === 0 ? distinct : `${distinct}, most common ${top.join(', ')}`;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

// Timestamps are read as a span of time; their most common values say little.
function dateRange(entries: readonly (readonly [string, number])[]): string | undefined {
  let first: string | undefined;
  let last: string | undefined;
  for (const [value] of entries) {
    if (!ISO_DATE.test(value)) return undefined;
    if (first === undefined || value < first) first = value;
    if (last === undefined || value > last) last = value;
  }
  return first === undefined || last === undefined ? undefined : `${first} to ${last}`;
}
