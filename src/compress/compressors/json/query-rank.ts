import type { Query } from '../../types.js';
import { namedFirst } from '../named-first.js';
import type { ItemSet } from './item-set.js';

/** Items the question points at, best first. */
export interface QueryRanking {
  /** Items whose name, id or key is a query term (or ends in `/term`), the rarest such term first. */
  readonly named: readonly number[];
  /** Other items holding a query term, by their most specific term, then by all their terms. */
  readonly matches: readonly number[];
}

// A term in more items than the budget keeps and than this share of them (a field name, a common word)
// names a category, not the items asked about: it only orders the items other terms picked.
const SPECIFIC_SHARE = 0.1;
// Fields that name an item; an exact hit on one of them means the user named that item.
const NAME_FIELDS = [
  'name',
  'id',
  '_id',
  'key',
  'slug',
  'title',
  'uuid',
  'sha',
  'number',
  'pkgid',
  'package',
  'module',
  'path',
  'file',
  'filename',
  'login',
  'username',
  'host',
  'hostname',
  'model',
];
const NONE: QueryRanking = { named: [], matches: [] };

/**
 * Ranks items against the question. A term is worth more the fewer items hold it, and an item ranks by
 * the rarest term it holds before the sum of them all, so one exact package name beats several common
 * words; a term most items hold picks out none of them. An item the user named outright comes first,
 * unless that name is shared by more items than the budget keeps (then it picks out nothing in particular).
 */
export function queryRanking(items: ItemSet, query: Query, maxItems: number): QueryRanking {
  const terms = query.terms.filter((term) => term.length > 0);
  if (terms.length === 0) return NONE;
  const n = items.texts.length;
  const lower = items.texts.map((text) => text.toLowerCase());
  const labels = labelColumns(items);

  const namedRarity = new Map<number, number>();
  const naming = new Set<string>();
  for (const term of terms) {
    const exact = exactHits(labels, term, n);
    if (exact.length === 0 || exact.length > maxItems) continue;
    naming.add(term);
    for (const i of exact) namedRarity.set(i, Math.min(namedRarity.get(i) ?? exact.length, exact.length));
  }

  const best = new Float64Array(n);
  const total = new Float64Array(n);
  for (const term of terms) {
    if (isTailOfNaming(term, naming)) continue;
    const hits: number[] = [];
    for (let i = 0; i < n; i += 1) if (holdsWord(lower[i] ?? '', term)) hits.push(i);
    if (hits.length === 0) continue;
    const weight = Math.log(1 + n / hits.length);
    const specific = hits.length <= Math.max(maxItems, n * SPECIFIC_SHARE);
    for (const i of hits) {
      if (specific && weight > (best[i] ?? 0)) best[i] = weight;
      total[i] = (total[i] ?? 0) + weight;
    }
  }

  const exact = [...namedRarity.keys()].sort(
    (a, b) => (namedRarity.get(a) ?? 0) - (namedRarity.get(b) ?? 0) || a - b,
  );
  // Then each entity the question names gets its items, before the ranking of all its words.
  const byEntity = namedFirst(items.texts, query, Math.floor(maxItems / 2) - exact.length, (i) =>
    namedRarity.has(i),
  );
  const named = [...exact, ...byEntity];
  const isNamed = new Set(named);
  const matches: number[] = [];
  for (let i = 0; i < n; i += 1) if ((best[i] ?? 0) > 0 && !isNamed.has(i)) matches.push(i);
  matches.sort((a, b) => (best[b] ?? 0) - (best[a] ?? 0) || (total[b] ?? 0) - (total[a] ?? 0) || a - b);
  return { named, matches };
}

/**
 * `linux-x64` beside `@esbuild/linux-x64`: the question's path already named an item, and its last part
 * alone would pull in every other `…/linux-x64`.
 */
function isTailOfNaming(term: string, naming: ReadonlySet<string>): boolean {
  const suffix = `/${term}`;
  for (const other of naming) if (other.endsWith(suffix)) return true;
  return false;
}

/**
 * The term occurs where a word starts or ends: `getuser` in `getuserbyid`, `linux-x64` in
 * `cli-linux-x64`, but not `pin` in `spinners`.
 */
function holdsWord(text: string, term: string): boolean {
  const startsWord = !isWordChar(term.charCodeAt(0));
  const endsWord = !isWordChar(term.charCodeAt(term.length - 1));
  for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + 1)) {
    if (startsWord || endsWord) return true;
    if (!isWordChar(text.charCodeAt(at - 1)) || !isWordChar(text.charCodeAt(at + term.length))) return true;
  }
  return false;
}

// Letters and digits (ASCII, or any code unit past ASCII, which is mostly letters).
function isWordChar(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code > 0x7f;
}

/** Lower-cased names of the items: an object's keys, or the values of name-like fields, or scalar items. */
function labelColumns(items: ItemSet): (readonly (string | undefined)[])[] {
  if (items.keys !== undefined) return [items.keys.map((key) => key?.toLowerCase())];
  const columns: (string | undefined)[][] = [];
  for (const name of [...NAME_FIELDS, '']) {
    const column = items.table.columns.get(name);
    if (column === undefined) continue;
    columns.push(
      column.map((value) =>
        typeof value === 'string' || typeof value === 'number' ? String(value).toLowerCase() : undefined,
      ),
    );
  }
  return columns;
}

function exactHits(columns: readonly (readonly (string | undefined)[])[], term: string, n: number): number[] {
  const suffix = `/${term}`;
  const hits: number[] = [];
  for (let i = 0; i < n; i += 1) {
    for (const column of columns) {
      const label = column[i];
      if (label !== undefined && (label === term || label.endsWith(suffix))) {
        hits.push(i);
        break;
      }
    }
  }
  return hits;
}
