import type { Query } from '../../types.js';
import type { FieldTable } from './fields.js';
import type { ItemSet } from './item-set.js';
import { errorSignal } from './item-signals.js';
import { queryRanking } from './query-rank.js';

const HEAD_ITEMS = 3;
const TAIL_ITEMS = 2;
// An error word in a quarter of the items marks their domain (say, a bug tracker), not an anomaly.
const WEAK_ERROR_SHARE = 0.25;
const OUTLIER_SIGMAS = 2;
const MAX_CATEGORIES = 12;

/**
 * Picks the items to keep verbatim, in original order: the items the question names (an entity's, one
 * whose name, id or key is a query term) whatever the budget, then by rank up to `maxItems` in all:
 * distinct failures, other query matches (rarest terms first), first and last items, repeated failures,
 * rare error words, numeric outliers, and, in arrays, the points where a categorical field changes value.
 */
export function selectItems(items: ItemSet, query: Query, maxItems: number): number[] {
  const n = items.values.length;
  if (n <= maxItems) return Array.from({ length: n }, (_, i) => i);

  const strong = { distinct: [] as number[], repeated: [] as number[] };
  const weak = { distinct: [] as number[], repeated: [] as number[] };
  const seen = new Set<string>();
  for (let i = 0; i < n; i += 1) {
    const signal = errorSignal(items.values[i], items.texts[i] ?? '');
    if (signal.strength === 0) continue;
    const group = signal.strength === 2 ? strong : weak;
    const key = `${signal.strength}:${signal.signature}`;
    if (seen.has(key)) group.repeated.push(i);
    else {
      seen.add(key);
      group.distinct.push(i);
    }
  }
  const weakCount = weak.distinct.length + weak.repeated.length;
  const weakRare = weakCount <= n * WEAK_ERROR_SHARE;

  const { named, matches } = queryRanking(items, query, maxItems);
  // Failures come first, but a share of the budget stays free for what the user asked about.
  const errorCap = Math.max(0, maxItems - named.length - Math.min(matches.length, Math.ceil(maxItems / 3)));
  const headTail: number[] = [];
  for (let i = 0; i < Math.min(HEAD_ITEMS, n); i += 1) headTail.push(i);
  for (let i = Math.max(HEAD_ITEMS, n - TAIL_ITEMS); i < n; i += 1) headTail.push(i);

  // Items the question names stay whatever `maxItems` says (a hard limit may shrink it to one); the
  // ranking fills what is left.
  const kept = new Set<number>(named);
  const ranked = [
    strong.distinct.slice(0, errorCap),
    matches,
    strong.distinct,
    headTail,
    strong.repeated,
    weakRare ? weak.distinct : [],
    outliers(items.table),
    items.keys === undefined ? changePoints(items.table, maxItems) : [],
    weakRare ? weak.repeated : [],
  ];
  for (const group of ranked) {
    for (const index of group) {
      if (kept.size >= maxItems) break;
      kept.add(index);
    }
  }
  return [...kept].sort((a, b) => a - b);
}

/** Items more than two standard deviations from the mean of some numeric field, most extreme first. */
function outliers(table: FieldTable): number[] {
  const extremity = new Map<number, number>();
  for (const column of table.columns.values()) {
    let count = 0;
    let sum = 0;
    let sumSquares = 0;
    for (const value of column) {
      if (typeof value !== 'number') continue;
      count += 1;
      sum += value;
      sumSquares += value * value;
    }
    if (count < 8 || count < table.size / 2) continue;
    const mean = sum / count;
    const deviation = Math.sqrt(Math.max(0, sumSquares / count - mean * mean));
    if (!(deviation > 0) || !Number.isFinite(deviation)) continue;
    for (let i = 0; i < column.length; i += 1) {
      const value = column[i];
      if (typeof value !== 'number') continue;
      const z = Math.abs(value - mean) / deviation;
      if (z > OUTLIER_SIGMAS && z > (extremity.get(i) ?? 0)) extremity.set(i, z);
    }
  }
  return [...extremity.keys()].sort((a, b) => (extremity.get(b) ?? 0) - (extremity.get(a) ?? 0) || a - b);
}

/** Where a low-cardinality field (a status, a host, a flag) takes a new value, if that is rare enough to matter. */
function changePoints(table: FieldTable, maxItems: number): number[] {
  const points = new Set<number>();
  for (const column of table.columns.values()) {
    const categories = new Set<string | boolean>();
    let present = 0;
    const changes: number[] = [];
    let previous: unknown;
    let categorical = true;
    for (let i = 0; i < column.length && categorical; i += 1) {
      const value = column[i];
      if (typeof value !== 'string' && typeof value !== 'boolean') continue;
      present += 1;
      categories.add(value);
      if (categories.size > MAX_CATEGORIES) categorical = false;
      if (previous !== undefined && value !== previous) changes.push(i);
      if (changes.length > maxItems) categorical = false;
      previous = value;
    }
    if (!categorical || present < table.size / 2 || categories.size < 2) continue;
    for (const i of changes) points.add(i);
  }
  return [...points].sort((a, b) => a - b);
}
