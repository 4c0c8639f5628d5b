import { isRegExpSpace } from '../../../tokens/count.js';
import { formatCount } from '../../signals.js';
import type { CompressorContext, LinePlan } from '../../types.js';
import { isKeyedCollection, itemLabels, itemSet } from './collection.js';
import { MIN_CRUSH_CHARS } from './crush-array.js';
import { summarizeFields } from './field-stats.js';
import { isJsonObject } from './fields.js';
import { describeRange, type Labels, plural } from './format.js';
import { type JoinedLines, readElements } from './line-elements.js';
import { elementSpans, keyAt, type ScannedContainer, scanJsonLines } from './line-scan.js';
import { type ParsedJson, parseJsonBlock } from './parse-cache.js';
import { selectItems } from './select.js';

/** One container whose elements lost lines, with what its notes need. */
interface CrushedLines {
  readonly labels: Labels | undefined;
  readonly noun: string;
  readonly omitted: number;
  /** Its summary line, without regard to how many summary lines there are. */
  readonly summary: string;
}

/** Lines [from, to] of one dropped element. */
interface DroppedItem {
  readonly from: number;
  readonly to: number;
  readonly index: number;
  readonly owner: CrushedLines;
}

// Nested collections each crushed on their own (a dependency tree) would otherwise bury the content
// under summary lines; the ones that lost the most are described.
const MAX_SUMMARY_LINES = 4;

/**
 * Exact-lines mode for pretty-printed JSON (a `Read` of a .json file, possibly partial): drops whole
 * items of big arrays and whole entries of big keyed objects (package-lock's `packages`, an `exports`
 * map), keeps every structural line and every kept element's lines byte for byte. Collections nested
 * inside kept elements are crushed in turn.
 */
export function planJsonLines(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  const { maxItems } = ctx.budgets;
  const containers = scanJsonLines(lines);
  const source = ctx.content === undefined ? { ok: false } : splitFrom(ctx.content, lines);
  const root = source.ok ? parseJsonBlock(ctx.content!) : NOT_PARSED;
  const fields = new Map<number, number>();
  const keep = new Array<boolean>(lines.length).fill(true);
  const hidden = new Uint8Array(containers.length);
  const droppedOf = new Map<number, Set<number>>();
  const dropped: DroppedItem[] = [];
  const crushed: CrushedLines[] = [];
  let total = 0;
  // Opening order visits a container before anything inside it, so what a dropped element held is skipped.
  for (const container of containers) {
    const parent = container.parent;
    if (parent >= 0 && (hidden[parent] === 1 || droppedOf.get(parent)?.has(container.parentElement))) {
      hidden[container.id] = 1;
      continue;
    }
    if (container.size <= maxItems) continue;
    const spans = elementSpans(container);
    const parsed = root.ok ? containerValue(lines, containers, container, root.value, fields) : undefined;
    const read = readElements(lines, container, spans, parsed, source.joined);
    if (read === undefined || totalLength(read.texts) < MIN_CRUSH_CHARS) continue;
    if (read.keys !== undefined && !isKeyedCollection(read.keys, read.values)) continue;
    const items = itemSet(read.values, read.texts, read.keys);
    const kept = new Set(selectItems(items, ctx.query, maxItems));
    const labels = itemLabels(items);
    const omitted: number[] = [];
    const ranges: { from: number; to: number; index: number }[] = [];
    spans.forEach((span, index) => {
      if (kept.has(index)) return;
      const from = blankBefore(lines[span.startLine] ?? '', span.startCol)
        ? span.startLine
        : span.startLine + 1;
      const to = blankAfter(lines[span.endLine] ?? '', span.endCol + 1) ? span.endLine : span.endLine - 1;
      // An element that shares every line with other content (`[1, 2, 3]` on one line) owns none.
      if (from > to) return;
      ranges.push({ from, to, index });
      omitted.push(index);
    });
    if (omitted.length === 0) continue;
    droppedOf.set(container.id, new Set(omitted));
    const details = [
      read.keys === undefined ? '' : describeRange(labels, omitted[0] ?? 0, omitted.at(-1) ?? 0),
      summarizeFields(items.table, omitted),
    ].filter((part) => part !== '');
    const name = containerName(lines, containers, container);
    const counted = `${formatCount(omitted.length)} of ${plural(container.size, read.noun)} omitted`;
    const owner: CrushedLines = {
      labels,
      noun: read.noun,
      omitted: omitted.length,
      summary: `${name}: ${counted}${details.length === 0 ? '' : ` — ${details.join('; ')}`}`,
    };
    crushed.push(owner);
    total += container.size;
    for (const range of ranges) {
      for (let line = range.from; line <= range.to; line += 1) keep[line] = false;
      dropped.push({ from: range.from, to: range.to, index: range.index, owner });
    }
  }
  if (dropped.length === 0) return undefined;
  dropped.sort((a, b) => a.from - b.from);
  return {
    keep,
    describe: (start, end) => describeRun(dropped, start, end),
    summary: summaryLines(crushed),
    transform: `json:items ${total}→${total - dropped.length}`,
  };
}

const NOT_PARSED: ParsedJson = { ok: false, value: undefined };

/**
 * Whether `content` can be the text these lines were split from: as long as the lines and one or two
 * characters between each and after the last. A guard against a caller's mistake; the values are only
 * reused from a parse of the lines' own text. When it is exactly the lines joined by `\n` (no `\r`, no
 * last line break), also where each line starts in it.
 */
function splitFrom(
  content: string,
  lines: readonly string[],
): { readonly ok: boolean; readonly joined?: JoinedLines } {
  let chars = 0;
  for (const line of lines) chars += line.length;
  const breaks = Math.max(0, lines.length - 1);
  if (content.length < chars + breaks || content.length > chars + 2 * breaks + 2) return { ok: false };
  if (content.length !== chars + breaks) return { ok: true };
  const starts = new Int32Array(lines.length);
  for (let i = 1; i < lines.length; i++) starts[i] = starts[i - 1]! + lines[i - 1]!.length + 1;
  return { ok: true, joined: { text: content, starts } };
}

/**
 * A container's value in the parse of the whole block, found by its path from the top: an array's
 * element by position, an object's entry by key (only in an object with no duplicate key, so the key
 * names that very entry). Undefined when the path cannot be followed.
 */
function containerValue(
  lines: readonly string[],
  containers: readonly ScannedContainer[],
  container: ScannedContainer,
  root: unknown,
  fields: Map<number, number>,
): unknown {
  const path: ScannedContainer[] = [];
  for (let c = container; c.id > 0; c = containers[c.parent]!) path.push(c);
  let value = root;
  for (let k = path.length - 1; k >= 0; k -= 1) {
    const c = path[k]!;
    const parent = containers[c.parent]!;
    if (parent.id === 0) {
      // The bottom container gathers top-level values: a block that parsed has one.
      if (c.parentElement !== 0 || parent.size !== 1) return undefined;
    } else if (parent.kind === 'array') {
      if (!Array.isArray(value) || value.length !== parent.size) return undefined;
      value = value[c.parentElement];
    } else {
      const key = c.key === undefined ? undefined : keyAt(lines, c.key);
      if (key === undefined || !isJsonObject(value) || !Object.hasOwn(value, key)) return undefined;
      let size = fields.get(parent.id);
      if (size === undefined) {
        size = Object.keys(value).length;
        fields.set(parent.id, size);
      }
      if (size !== parent.size) return undefined;
      value = value[key];
    }
  }
  return value;
}

function totalLength(texts: readonly string[]): number {
  let sum = 0;
  for (const text of texts) sum += text.length;
  return sum;
}

/**
 * How a summary names a container: its key path from the top (`"dependencies" › "ora" › "dependencies"`,
 * `[]` for an array's element, `…` above a partial read), or `array`/`object` at the top level.
 */
function containerName(
  lines: readonly string[],
  containers: readonly ScannedContainer[],
  container: ScannedContainer,
): string {
  const segments: string[] = [];
  // The bottom container (id 0) only gathers the top-level values; it has no name.
  for (let c: ScannedContainer | undefined = container; c !== undefined && c.id > 0; ) {
    const parent: ScannedContainer | undefined = containers[c.parent];
    const key = c.key === undefined ? undefined : keyAt(lines, c.key);
    if (key !== undefined) segments.push(JSON.stringify(key));
    else if (parent !== undefined && parent.id > 0) segments.push(parent.kind === 'array' ? '[]' : '…');
    c = parent;
  }
  return segments.length === 0 ? container.kind : segments.reverse().join(' › ');
}

function summaryLines(crushed: readonly CrushedLines[]): string[] {
  if (crushed.length <= MAX_SUMMARY_LINES) return crushed.map((c) => c.summary);
  const chosen = new Set(
    [...crushed]
      .map((c, order) => ({ c, order }))
      .sort((a, b) => b.c.omitted - a.c.omitted || a.order - b.order)
      .slice(0, MAX_SUMMARY_LINES)
      .map(({ c }) => c),
  );
  const rest = crushed.length - chosen.size;
  return [
    ...crushed.filter((c) => chosen.has(c)).map((c) => c.summary),
    `${plural(rest, 'smaller nested collection')} lost elements too; see the notes above.`,
  ];
}

/**
 * The lines that hold nothing but an element (and its trailing comma): those before its first character
 * are `/^\s*$/` (`blankBefore`), those after its last `/^\s*,?\s*$/` (`blankAfter`), read in place.
 */
function blankBefore(line: string, end: number): boolean {
  const stop = Math.min(end, line.length);
  for (let i = 0; i < stop; i++) if (!isRegExpSpace(line.charCodeAt(i))) return false;
  return true;
}

function blankAfter(line: string, start: number): boolean {
  let i = start;
  while (i < line.length && isRegExpSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) === 0x2c) i++;
  while (i < line.length && isRegExpSpace(line.charCodeAt(i))) i++;
  return i >= line.length;
}

/** Names an omitted run when it is exactly a sequence of dropped elements of one container. */
function describeRun(dropped: readonly DroppedItem[], start: number, end: number): string | undefined {
  let low = 0;
  let high = dropped.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((dropped[mid]?.from ?? 0) < start) low = mid + 1;
    else high = mid;
  }
  const first = dropped[low];
  if (first === undefined || first.from !== start) return undefined;
  let last = first;
  let count = 0;
  for (let i = low; i < dropped.length; i += 1) {
    const item = dropped[i] as DroppedItem;
    if (item.to >= end) break;
    if (item.owner !== first.owner) return undefined;
    last = item;
    count += 1;
  }
  if (count === 0 || last.to !== end - 1) return undefined;
  const { labels, noun } = first.owner;
  return `${plural(count, noun)} (${describeRange(labels, first.index, last.index)})`;
}
