import { formatCount } from '../../signals.js';
import type { CompressorContext } from '../../types.js';
import { isKeyedCollection, itemLabels, itemSet } from './collection.js';
import { MIN_CRUSH_CHARS } from './crush-array.js';
import { summarizeFields } from './field-stats.js';
import { describeRange, plural } from './format.js';
import { selectItems } from './select.js';

/** A big keyed object as the rewrite shows it: the entries it keeps, notes for the runs it drops. */
export interface CrushedMap {
  /** E.g. `(120 entries, 8 kept)`. */
  readonly note: string;
  /** In order: the index of a kept entry, or the note for a run of omitted ones. */
  readonly parts: readonly (number | string)[];
  /** E.g. `[112 omitted entries: keys a–z; version: 80 distinct]`. */
  readonly summary: string;
  readonly total: number;
  readonly kept: number;
}

/**
 * Shrinks an object of more than `maxItems` like entries (a keyed collection): keeps the entries the
 * user named, failures, query matches, the first and last few and outliers, and describes the rest.
 * Undefined when the object is a record, or too small to be worth a note.
 */
export function crushMap(
  keys: readonly string[],
  values: readonly unknown[],
  ctx: CompressorContext,
): CrushedMap | undefined {
  const n = keys.length;
  const { maxItems } = ctx.budgets;
  if (n <= maxItems || !isKeyedCollection(keys, values)) return undefined;
  const texts = keys.map((key, i) => `${JSON.stringify(key)}:${JSON.stringify(values[i])}`);
  let chars = 0;
  for (const text of texts) chars += text.length;
  if (chars < MIN_CRUSH_CHARS) return undefined;

  const set = itemSet(values, texts, keys);
  const kept = selectItems(set, ctx.query, maxItems);
  const labels = itemLabels(set);
  const parts: (number | string)[] = [];
  const omitted: number[] = [];
  let next = 0;
  for (const index of [...kept, n]) {
    if (index > next) {
      for (let i = next; i < index; i += 1) omitted.push(i);
      parts.push(
        `[… ${plural(index - next, 'entry')} omitted (${describeRange(labels, next, index - 1)}) …]`,
      );
    }
    if (index === n) break;
    parts.push(index);
    next = index + 1;
  }
  const details = [
    describeRange(labels, omitted[0] ?? 0, omitted.at(-1) ?? 0),
    summarizeFields(set.table, omitted),
  ].filter((part) => part !== '');
  return {
    note: `(${plural(n, 'entry')}, ${formatCount(kept.length)} kept)`,
    parts,
    summary: `[${plural(omitted.length, 'omitted entry')}: ${details.join('; ')}]`,
    total: n,
    kept: kept.length,
  };
}
