import { formatCount } from '../../signals.js';
import type { CompressorContext, RewriteResult } from '../../types.js';
import { type CrushedArray, crushArray, type Meters } from './crush-array.js';
import { type CrushedMap, crushMap } from './crush-map.js';
import { isJsonObject } from './fields.js';
import { parseJsonBlock } from './parse-cache.js';
import { type Span, scanSpans } from './spans.js';
import { tokenMeter } from './token-meter.js';

// Strings this long inside a structure are payloads (file bodies, blobs); a head is enough to see what they are.
const LONG_STRING = 8000;
const STRING_HEAD = 2000;
// Deeper than this a document is pathological; show it as it is rather than risk the stack.
const MAX_DEPTH = 64;

/** Keys and untouched values are shown as their source text, byte for byte. */
type Plan =
  | { readonly kind: 'raw'; readonly source: string }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, Plan])[] }
  | { readonly kind: 'list'; readonly items: readonly Plan[] }
  | { readonly kind: 'crushed'; readonly block: CrushedArray }
  | {
      readonly kind: 'map';
      readonly map: CrushedMap;
      /** Kept entries (key source, plan), and notes for the omitted runs, in order. */
      readonly parts: readonly (readonly [string, Plan] | string)[];
    }
  | { readonly kind: 'cut'; readonly head: string; readonly omitted: number };

/** What the walk over a document shares and counts as it goes. */
interface Walk {
  readonly text: string;
  readonly meters: Meters;
  collections: number;
  items: number;
  kept: number;
  lossy: boolean;
  cuts: number;
}

/**
 * Rewrites a JSON block with its big arrays and keyed collections crushed and its huge strings cut;
 * undefined when none of that applies.
 */
export function rewriteJson(text: string, ctx: CompressorContext): RewriteResult | undefined {
  const parsed = parseJsonBlock(text);
  if (!parsed.ok || hasUnsafeIntegers(text)) return undefined;
  const meters = { json: tokenMeter(ctx), table: tokenMeter(ctx) };
  const walk: Walk = { text, meters, collections: 0, items: 0, kept: 0, lossy: false, cuts: 0 };
  const plan = planValue(parsed.value, scanSpans(text, MAX_DEPTH + 1), ctx, walk, 0);
  if (plan.kind === 'raw') return undefined;
  const output = render(plan, 0).join('\n');
  if (output.length >= text.length) return undefined;
  return { text: output, transform: describeWalk(walk), lossy: walk.lossy, verbatim: true };
}

/**
 * Integers past 2^53 (snowflake ids) change when parsed into a double; re-encoding them would show
 * the model a different id, so such blocks are left to the exact-lines mode.
 */
function hasUnsafeIntegers(text: string): boolean {
  // The quick test spares a slower scan of megabytes that hold no run of 16 digits at all.
  if (!/\d{16}/.test(text)) return false;
  for (const match of text.matchAll(/(?<![\w."])-?\d{16,}(?![\w."])/g)) {
    if (!Number.isSafeInteger(Number(match[0]))) return true;
  }
  return false;
}

const sourceOf = (walk: Walk, span: Span): string => walk.text.slice(span.start, span.end);

/** A member's key and colon as written (`"a": ` or `"a":`), so a kept member is a run of the original. */
const memberHead = (walk: Walk, key: Span, value: Span): string => {
  const head = walk.text.slice(key.start, value.start);
  // A value on the line after its key is shown on the key's line: the newline is the only change.
  return head.includes('\n') ? `${walk.text.slice(key.start, key.end)}: ` : head;
};

function planValue(value: unknown, span: Span, ctx: CompressorContext, walk: Walk, depth: number): Plan {
  const raw: Plan = { kind: 'raw', source: sourceOf(walk, span) };
  const children = span.children ?? [];
  if (depth > MAX_DEPTH) return raw;
  if (Array.isArray(value)) {
    if (value.length > ctx.budgets.maxItems) {
      const sources = children.map((child) => sourceOf(walk, child));
      const block = crushArray(value, ctx, walk.meters, sources);
      if (block === undefined) return raw;
      walk.collections += 1;
      walk.items += block.total;
      walk.kept += block.kept;
      walk.lossy ||= block.lossy;
      return { kind: 'crushed', block };
    }
    const items = value.map((item, i) => planValue(item, children[i]!, ctx, walk, depth + 1));
    return items.every((item) => item.kind === 'raw') ? raw : { kind: 'list', items };
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    // A key given twice parses to one member; the spans would no longer line up with the keys.
    if (keys.length !== children.length) return raw;
    const keySpans = span.keys ?? [];
    if (keys.length > ctx.budgets.maxItems) {
      const map = crushMap(
        keys,
        keys.map((key) => value[key]),
        ctx,
      );
      if (map !== undefined) {
        walk.collections += 1;
        walk.items += map.total;
        walk.kept += map.kept;
        walk.lossy = true;
        const parts = map.parts.map((part) => {
          if (typeof part === 'string') return part;
          const key = keys[part] ?? '';
          const plan = planValue(value[key], children[part]!, ctx, walk, depth + 1);
          return [memberHead(walk, keySpans[part]!, children[part]!), plan] as const;
        });
        return { kind: 'map', map, parts };
      }
    }
    const entries: (readonly [string, Plan])[] = [];
    let changed = false;
    keys.forEach((key, i) => {
      const child = planValue(value[key], children[i]!, ctx, walk, depth + 1);
      changed ||= child.kind !== 'raw';
      entries.push([memberHead(walk, keySpans[i]!, children[i]!), child]);
    });
    return changed ? { kind: 'object', entries } : raw;
  }
  if (typeof value === 'string' && value.length > LONG_STRING) {
    walk.cuts += 1;
    walk.lossy = true;
    const source = raw.source;
    const head = cutAt(source, STRING_HEAD + 1);
    // The closing quote is not a character of the string.
    return { kind: 'cut', head, omitted: source.length - head.length - 1 };
  }
  return raw;
}

/**
 * The first characters of a string's source: never in the middle of an escape (`\u00e9`, `\n`) or of a
 * surrogate pair, so what is shown is a prefix of the original bytes a reader can search for.
 */
function cutAt(source: string, length: number): string {
  let end = length;
  const code = source.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  const backslash = source.lastIndexOf('\\', end - 1);
  if (backslash >= end - 6) {
    let run = 0;
    while (source[backslash - run] === '\\') run += 1;
    // An odd run of backslashes ending here opens an escape that may reach past the cut.
    if (run % 2 === 1) end = backslash - run + 1;
  }
  return source.slice(0, end);
}

/** Lines of a plan: the first without indentation (it follows a key or bracket), the rest fully indented. */
function render(plan: Plan, depth: number): string[] {
  const inner = '  '.repeat(depth + 1);
  switch (plan.kind) {
    case 'raw':
      return [plan.source];
    case 'cut':
      return [`${plan.head} [… ${formatCount(plan.omitted)} more characters …]`];
    case 'crushed':
      return [
        `[ ${plan.block.note}`,
        ...plan.block.lines.map((line) => inner + line),
        `${'  '.repeat(depth)}]`,
      ];
    case 'map':
      return [
        `{ ${plan.map.note}`,
        ...plan.parts.flatMap((part) => {
          if (typeof part === 'string') return [inner + part];
          const lines = withPrefix(part[0], render(part[1], depth + 1));
          lines[0] = inner + (lines[0] ?? '');
          return lines;
        }),
        inner + plan.map.summary,
        `${'  '.repeat(depth)}}`,
      ];
    case 'object':
      return enclose(
        '{',
        '}',
        plan.entries.map(([head, child]) => withPrefix(head, render(child, depth + 1))),
        depth,
      );
    case 'list':
      return enclose(
        '[',
        ']',
        plan.items.map((child) => render(child, depth + 1)),
        depth,
      );
  }
}

function withPrefix(prefix: string, lines: string[]): string[] {
  lines[0] = prefix + (lines[0] ?? '');
  return lines;
}

function enclose(open: string, close: string, children: string[][], depth: number): string[] {
  const inner = '  '.repeat(depth + 1);
  const lines = [open];
  children.forEach((child, index) => {
    const last = child.length - 1;
    child.forEach((line, i) => {
      const text = i === last && index < children.length - 1 ? `${line},` : line;
      lines.push(i === 0 ? inner + text : text);
    });
  });
  lines.push(`${'  '.repeat(depth)}${close}`);
  return lines;
}

function describeWalk(walk: Walk): string {
  if (walk.collections === 0) return `json:strings ${walk.cuts} cut`;
  if (!walk.lossy) return `json:table ${walk.items} rows`;
  return `json:items ${walk.items}→${walk.kept}`;
}
