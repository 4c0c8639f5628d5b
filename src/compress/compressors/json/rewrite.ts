import { formatCount } from '../../signals.js';
import type { CompressorContext, RewriteResult } from '../../types.js';
import { type CrushedArray, crushArray, type Meters } from './crush-array.js';
import { type CrushedMap, crushMap } from './crush-map.js';
import { isJsonObject } from './fields.js';
import { parseJsonBlock } from './parse-cache.js';
import { tokenMeter } from './token-meter.js';

// Strings this long inside a structure are payloads (file bodies, blobs); a head is enough to see what they are.
const LONG_STRING = 8000;
const STRING_HEAD = 2000;
// Deeper than this a document is pathological; show it as it is rather than risk the stack.
const MAX_DEPTH = 64;

type Plan =
  | { readonly kind: 'raw'; readonly value: unknown }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, Plan])[] }
  | { readonly kind: 'list'; readonly items: readonly Plan[] }
  | { readonly kind: 'crushed'; readonly block: CrushedArray }
  | {
      readonly kind: 'map';
      readonly map: CrushedMap;
      /** Kept entries with their own plans, and notes for the omitted runs, in order. */
      readonly parts: readonly (readonly [string, Plan] | string)[];
    }
  | { readonly kind: 'cut'; readonly head: string; readonly omitted: number };

/** What the walk over a document shares and counts as it goes. */
interface Walk {
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
  const walk: Walk = { meters, collections: 0, items: 0, kept: 0, lossy: false, cuts: 0 };
  const plan = planValue(parsed.value, ctx, walk, 0);
  if (plan.kind === 'raw') return undefined;
  const output = render(plan, 0).join('\n');
  if (output.length >= text.length) return undefined;
  return { text: output, transform: describeWalk(walk), lossy: walk.lossy };
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

function planValue(value: unknown, ctx: CompressorContext, walk: Walk, depth: number): Plan {
  if (depth > MAX_DEPTH) return { kind: 'raw', value };
  if (Array.isArray(value)) {
    if (value.length > ctx.budgets.maxItems) {
      const block = crushArray(value, ctx, walk.meters);
      if (block === undefined) return { kind: 'raw', value };
      walk.collections += 1;
      walk.items += block.total;
      walk.kept += block.kept;
      walk.lossy ||= block.lossy;
      return { kind: 'crushed', block };
    }
    const items = value.map((item) => planValue(item, ctx, walk, depth + 1));
    return items.every((item) => item.kind === 'raw') ? { kind: 'raw', value } : { kind: 'list', items };
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
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
          return [key, planValue(value[key], ctx, walk, depth + 1)] as const;
        });
        return { kind: 'map', map, parts };
      }
    }
    const entries: (readonly [string, Plan])[] = [];
    let changed = false;
    for (const key in value) {
      const child = planValue(value[key], ctx, walk, depth + 1);
      changed ||= child.kind !== 'raw';
      entries.push([key, child]);
    }
    return changed ? { kind: 'object', entries } : { kind: 'raw', value };
  }
  if (typeof value === 'string' && value.length > LONG_STRING) {
    walk.cuts += 1;
    walk.lossy = true;
    const head = cutAt(value, STRING_HEAD);
    return { kind: 'cut', head, omitted: value.length - head.length };
  }
  return { kind: 'raw', value };
}

// Never split a surrogate pair: half an emoji is not a character the model can read.
function cutAt(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

/** Lines of a plan: the first without indentation (it follows a key or bracket), the rest fully indented. */
function render(plan: Plan, depth: number): string[] {
  const inner = '  '.repeat(depth + 1);
  switch (plan.kind) {
    case 'raw':
      return [JSON.stringify(plan.value)];
    case 'cut':
      return [`${JSON.stringify(plan.head)} [… ${formatCount(plan.omitted)} more characters …]`];
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
          const lines = withPrefix(`${JSON.stringify(part[0])}: `, render(part[1], depth + 1));
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
        plan.entries.map(([key, child]) => withPrefix(`${JSON.stringify(key)}: `, render(child, depth + 1))),
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
