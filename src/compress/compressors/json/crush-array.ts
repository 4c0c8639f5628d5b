import { formatCount } from '../../signals.js';
import type { CompressorContext } from '../../types.js';
import { itemLabels, itemSet } from './collection.js';
import { summarizeFields } from './field-stats.js';
import { isJsonObject, isScalar } from './fields.js';
import { describeRange, plural } from './format.js';
import { selectItems } from './select.js';
import { isCanonical } from './spans.js';
import { encodeHeader, encodeRow, type TableLayout, tableLayout } from './table.js';
import type { TokenMeter } from './token-meter.js';

/** Separate meters, as JSON and table rows spend tokens at different rates. */
export interface Meters {
  readonly json: TokenMeter;
  readonly table: TokenMeter;
}

/** A big array as the rewrite shows it: a note for the opening line, then one line per kept row. */
export interface CrushedArray {
  /** E.g. `(1,000 items, 24 kept as rows under the header line)`. */
  readonly note: string;
  readonly lines: readonly string[];
  readonly total: number;
  readonly kept: number;
  readonly lossy: boolean;
}

// Arrays smaller than this (about 200 tokens) are not worth an omission note.
export const MIN_CRUSH_CHARS = 800;
const SAMPLE_ITEMS = 16;
const SAMPLE_CHARS = 8000;

/**
 * Shrinks one array of more than `maxItems` items: a lossless table when that alone fits in about the
 * room `maxItems` items would take, else the chosen items plus statistics of the rest. Kept items are
 * shown as `sources` (their original text) when given; a table, whose cells are re-encoded values, only
 * when every item's source is its canonical JSON, so each cell is the original token.
 */
export function crushArray(
  items: readonly unknown[],
  ctx: CompressorContext,
  meters: Meters,
  sources?: readonly string[],
): CrushedArray | undefined {
  const n = items.length;
  const { maxItems } = ctx.budgets;
  if (n <= maxItems) return undefined;
  const texts = items.map((item) => JSON.stringify(item));
  let jsonChars = n;
  for (const text of texts) jsonChars += text.length;
  if (jsonChars < MIN_CRUSH_CHARS) return undefined;
  const shown = sources ?? texts;

  const tabular = sources === undefined || sources.every((source, i) => isCanonical(source, texts[i]!));
  const layout = tabular ? tableLayout(items) : undefined;
  if (layout !== undefined) {
    const budget = (estimateTokens(texts, jsonChars, meters.json) * (maxItems + 2)) / n;
    const table = losslessTable(items, shown, layout, budget, meters.table);
    if (table !== undefined) return table;
  }

  const set = itemSet(items, texts);
  const kept = selectItems(set, ctx.query, maxItems);
  const labels = itemLabels(set);
  const scalars = layout === undefined && items.every(isScalar);
  const noun = scalars ? 'value' : 'item';
  const lines: string[] = [];
  if (layout !== undefined) lines.push(encodeHeader(layout.columns));
  const omitted: number[] = [];
  let run: string[] = [];
  let next = 0;
  const flushRun = (): void => {
    if (run.length > 0) lines.push(run.join(','));
    run = [];
  };
  for (const index of [...kept, n]) {
    if (index > next) {
      flushRun();
      for (let i = next; i < index; i += 1) omitted.push(i);
      const range = describeRange(labels, next, index - 1);
      lines.push(`[… ${plural(index - next, noun)} omitted (${range}) …]`);
    }
    if (index === n) break;
    if (scalars) run.push(shown[index] ?? '');
    else lines.push(layout === undefined ? (shown[index] ?? '') : tableLine(items, shown, layout, index));
    next = index + 1;
  }
  flushRun();
  const stats = summarizeFields(set.table, omitted);
  lines.push(`[${plural(omitted.length, `omitted ${noun}`)}${stats === '' ? '' : `: ${stats}`}]`);
  const shape =
    layout !== undefined ? 'rows under the header line' : scalars ? 'values' : 'one JSON item per line';
  return {
    note: `(${plural(n, noun)}, ${formatCount(kept.length)} kept as ${shape})`,
    lines,
    total: n,
    kept: kept.length,
    lossy: true,
  };
}

function losslessTable(
  items: readonly unknown[],
  texts: readonly string[],
  layout: TableLayout,
  budget: number,
  meter: TokenMeter,
): CrushedArray | undefined {
  const n = items.length;
  const sample = sampleIndexes(n).map((index) => tableLine(items, texts, layout, index));
  const sampleText = sample.join('\n');
  const measured = sampleText.slice(0, SAMPLE_CHARS);
  if (measured.length === 0) return undefined;
  const estimate =
    ((sampleText.length + sample.length) / sample.length) * n * (meter.count(measured) / measured.length);
  // Rendering every row costs as much as the check; only do it when the estimate is close.
  if (estimate > budget * 1.2) return undefined;
  const lines = [encodeHeader(layout.columns)];
  for (let index = 0; index < n; index += 1) lines.push(tableLine(items, texts, layout, index));
  if (meter.count(lines.join('\n')) > budget) return undefined;
  return {
    note: `(${plural(n, 'item')} as rows under the header line, none omitted)`,
    lines,
    total: n,
    kept: n,
    lossy: false,
  };
}

/** An item's line in a table: its row, or its own JSON when it has a field the columns lack. */
function tableLine(
  items: readonly unknown[],
  texts: readonly string[],
  layout: TableLayout,
  index: number,
): string {
  const item = items[index];
  if (layout.misfits.has(index) || !isJsonObject(item)) return texts[index] ?? '';
  return encodeRow(item, layout.columns);
}

/** Tokens of the whole array, from a count over a spread-out sample of its items. */
function estimateTokens(texts: readonly string[], totalChars: number, meter: TokenMeter): number {
  const sample = sampleIndexes(texts.length)
    .map((i) => texts[i] ?? '')
    .join(',')
    .slice(0, SAMPLE_CHARS);
  if (sample.length === 0) return 0;
  return (meter.count(sample) / sample.length) * totalChars;
}

function sampleIndexes(n: number): number[] {
  const count = Math.min(n, SAMPLE_ITEMS);
  const indexes: number[] = [];
  for (let k = 0; k < count; k += 1) indexes.push(Math.floor((k * n) / count));
  return indexes;
}
