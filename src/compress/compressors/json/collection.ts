import { buildFieldTable, idField } from './fields.js';
import type { Labels } from './format.js';
import type { ItemSet } from './item-set.js';

// Most values of one kind, or most keys sharing a prefix, mark a map of like things rather than a record.
const UNIFORM_SHARE = 0.8;
const PREFIX_CHARS = 2;

/**
 * Whether an object with these entries is a keyed collection (package-lock's `packages`, an `exports`
 * map, a version → date map) rather than a record whose fields each mean something different. Unparsed
 * values are undefined and not counted; when most did not parse, it is not JSON enough to tell.
 */
export function isKeyedCollection(
  keys: readonly (string | undefined)[],
  values: readonly unknown[],
): boolean {
  const kinds = new Map<string, number>();
  let parsed = 0;
  for (const value of values) {
    if (value === undefined) continue;
    parsed += 1;
    const kind = kindOf(value);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  if (parsed < values.length / 2) return false;
  if (Math.max(...kinds.values()) >= parsed * UNIFORM_SHARE) return true;
  const prefixes = new Map<string, number>();
  let named = 0;
  for (const key of keys) {
    if (key === undefined || key.length <= PREFIX_CHARS) continue;
    named += 1;
    const prefix = key.slice(0, PREFIX_CHARS);
    prefixes.set(prefix, (prefixes.get(prefix) ?? 0) + 1);
  }
  return named >= keys.length / 2 && Math.max(0, ...prefixes.values()) >= named * UNIFORM_SHARE;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** How a run of items is named in notes: by an object's keys, or by an id-like field of array items. */
export function itemLabels(items: ItemSet): Labels | undefined {
  const { keys } = items;
  if (keys !== undefined) return { name: 'key', at: (index) => keys[index] };
  const name = idField(items.table);
  const column = name === undefined ? undefined : items.table.columns.get(name);
  return name === undefined || column === undefined ? undefined : { name, at: (index) => column[index] };
}

/** The items of a collection as selection sees them. */
export function itemSet(
  values: readonly unknown[],
  texts: readonly string[],
  keys?: readonly (string | undefined)[],
): ItemSet {
  const table = buildFieldTable(values);
  return keys === undefined ? { values, texts, table } : { values, texts, table, keys };
}
