import { formatCount, isErrorText } from '../../signals.js';
import type { BlockHint, Compressor, CompressorContext, LinePlan } from '../../types.js';
import {
  bump,
  clip,
  countOf,
  extensionOf,
  focusMask,
  lineScore,
  MIN_LINES,
  matchLines,
  topCounts,
  transformLabel,
} from '../line-tools.js';
import { namedFirst } from '../named-first.js';
import { findDelimiter, numberOf, readTable, splitCells, type Table } from './table.js';

const HEAD_ROWS = 3;
const TAIL_ROWS = 2;
/** Rows further than this many standard deviations from a column's mean are outliers. */
const OUTLIER_Z = 3;
const MAX_TERM_SHARE = 0.5;
const SUMMARY_COLUMNS = 12;
/** Distinct values tracked per column; beyond this a column is summarised as high-cardinality. */
const MAX_DISTINCT = 1000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const PATH_CELL = /^(?:~|\.{1,2})?\/\S|^[A-Za-z]:\\/;

/**
 * A header cell that opens a bracket it does not close, or closes one it did not open, was cut out of a
 * bracketed group: the delimiter sits inside `(79,28)` of a compiler's `a.ts(79,28): error TS4111: …`
 * line, so the lines are no table whose columns that delimiter separates.
 */
function cutFromBrackets(cell: string): boolean {
  let depth = 0;
  for (const ch of cell) {
    if (ch === '(' || ch === '[') depth += 1;
    else if (ch === ')' || ch === ']') {
      depth -= 1;
      if (depth < 0) return true;
    }
  }
  return depth !== 0;
}

function detectCsv(text: string, hint: BlockHint): boolean {
  if (hint.filePath) {
    const ext = extensionOf(hint.filePath);
    if (ext === '.csv' || ext === '.tsv') return true;
  }
  const head = text.trimStart();
  if (head.startsWith('{') || head.startsWith('[') || head.startsWith('<')) return false;
  const lines = text.slice(0, 20_000).split('\n', 60);
  const found = findDelimiter(lines);
  if (!found) return false;
  // A header names columns: at least one of its cells is not a number, and none is a path (`du`'s
  // `size<TAB>/path` lines are a listing, not a table).
  const header = lines.find((l) => l.trim().length > 0) ?? '';
  const cells = splitCells(header, found.delimiter);
  return (
    cells.some((c) => c.length > 0 && Number.isNaN(numberOf(c))) &&
    !cells.some((c) => PATH_CELL.test(c) || cutFromBrackets(c))
  );
}

function rowText(lines: readonly string[], table: Table, row: number): string {
  const start = table.rowStart[row]!;
  const end = table.rowEnd[row]!;
  return end - start === 1 ? lines[start]! : lines.slice(start, end).join('\n');
}

/** Each column's cells as numbers (NaN where a cell is empty or not a number), parsed once. */
function numericColumns(cells: readonly (readonly string[])[], columns: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let c = 0; c < columns; c++) {
    const values = new Float64Array(cells.length);
    for (let r = 0; r < cells.length; r++) values[r] = numberOf(cells[r]![c] ?? '');
    out.push(values);
  }
  return out;
}

/** Rows whose value in some numeric column is far from that column's mean, most extreme first. */
function outlierRows(cells: readonly (readonly string[])[], numbers: readonly Float64Array[]): number[] {
  const zByRow = new Map<number, number>();
  numbers.forEach((values, c) => {
    let count = 0;
    let sum = 0;
    let sumSq = 0;
    let filled = 0;
    for (let r = 0; r < values.length; r++) {
      if ((cells[r]![c] ?? '') !== '') filled += 1;
      const v = values[r]!;
      if (Number.isNaN(v)) continue;
      count += 1;
      sum += v;
      sumSq += v * v;
    }
    if (count < 10 || count < filled * 0.9) return;
    const mean = sum / count;
    const sd = Math.sqrt(Math.max(0, sumSq / count - mean * mean));
    if (sd === 0) return;
    for (let r = 0; r < values.length; r++) {
      const z = Math.abs(values[r]! - mean) / sd;
      if (z > OUTLIER_Z && z > (zByRow.get(r) ?? 0)) zByRow.set(r, z);
    }
  });
  return [...zByRow.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([r]) => r);
}

function roundForNote(n: number): string {
  if (Number.isInteger(n)) return formatCount(n);
  return String(Number(n.toPrecision(4)));
}

/** `price 0.5–999 (mean 42.1)`, `region 4 distinct: us ×50, eu ×30`, `id 9,960 distinct`. */
function describeColumn(
  name: string,
  cells: readonly (readonly string[])[],
  column: number,
  numeric: Float64Array,
  rows: readonly number[],
): string | undefined {
  const filled: string[] = [];
  let numbers = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let minText = '';
  let maxText = '';
  let sum = 0;
  for (const r of rows) {
    const v = cells[r]![column] ?? '';
    if (v === '') continue;
    filled.push(v);
    const n = numeric[r]!;
    if (Number.isNaN(n)) continue;
    numbers += 1;
    sum += n;
    if (n < min) {
      min = n;
      minText = v;
    }
    if (n > max) {
      max = n;
      maxText = v;
    }
  }
  if (filled.length === 0) return undefined;
  const label = clip(name || '(unnamed)', 30);
  if (numbers >= filled.length * 0.9) {
    return `${label} ${clip(minText, 20)}–${clip(maxText, 20)} (mean ${roundForNote(sum / numbers)})`;
  }
  const counts = new Map<string, number>();
  let dates = 0;
  let first = filled[0]!;
  let last = filled[0]!;
  for (const v of filled) {
    if (ISO_DATE.test(v)) {
      dates += 1;
      if (v < first) first = v;
      if (v > last) last = v;
    }
    if (counts.size >= MAX_DISTINCT && !counts.has(v)) continue;
    bump(counts, clip(v, 30));
  }
  if (dates === filled.length) return `${label} ${first}–${last}`;
  const distinct =
    counts.size >= MAX_DISTINCT ? `over ${formatCount(MAX_DISTINCT)}` : formatCount(counts.size);
  // Top values of a column that barely repeats say nothing.
  if (counts.size * 2 > filled.length) return `${label} ${distinct} distinct`;
  return `${label} ${distinct} distinct: ${topCounts(counts, 3, ' ×')}`;
}

function summarize(
  header: readonly string[],
  cells: readonly (readonly string[])[],
  numbers: readonly Float64Array[],
  omitted: readonly number[],
): string {
  const parts: string[] = [];
  const columns = Math.min(header.length, SUMMARY_COLUMNS);
  for (let c = 0; c < columns; c++) {
    const text = describeColumn(header[c] ?? '', cells, c, numbers[c]!, omitted);
    if (text) parts.push(text);
  }
  if (header.length > columns) parts.push(`${formatCount(header.length - columns)} more columns`);
  return `csv: ${countOf(omitted.length, 'row')} omitted; ${parts.join('; ')}`;
}

function describer(
  table: Table,
  cells: readonly (readonly string[])[],
  header: readonly string[],
): (start: number, end: number) => string | undefined {
  // Lines of a data row point at the row; head lines are never omitted.
  const rowOfLine = new Int32Array(table.rowEnd[table.rowEnd.length - 1] ?? 0).fill(-1);
  for (let r = 0; r < table.rowStart.length; r++) {
    for (let i = table.rowStart[r]!; i < table.rowEnd[r]!; i++) rowOfLine[i] = r;
  }
  return function describeOmitted(start: number, end: number): string | undefined {
    let from = start;
    while (from < end && (rowOfLine[from] ?? -1) < 0) from += 1;
    let to = end - 1;
    while (to > from && (rowOfLine[to] ?? -1) < 0) to -= 1;
    const first = rowOfLine[from] ?? -1;
    const last = rowOfLine[to] ?? -1;
    if (first < 0 || last < first) return undefined;
    const rows = countOf(last - first + 1, 'row');
    const a = cells[first]![0] ?? '';
    const b = cells[last]![0] ?? '';
    if (!header[0] || a.length === 0 || a.length > 24 || b.length > 24 || first === last) return rows;
    return `${rows} (${clip(header[0], 24)} ${a} … ${b})`;
  };
}

/**
 * Keeps a table's head and a bounded set of whole rows: the first and last few, rows the question
 * names, rows with error words, and numeric outliers; summarises each column over the rows omitted.
 */
function planCsv(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  if (lines.length < MIN_LINES) return undefined;
  const found = findDelimiter(lines);
  if (!found) return undefined;
  const table = readTable(lines, found.delimiter, found.fields);
  const rows = table.rowStart.length;
  const budget = ctx.budgets.maxRows;
  if (table.headerLine < 0 || rows <= budget + HEAD_ROWS) return undefined;
  const texts = table.rowStart.map((_, r) => rowText(lines, table, r));
  const cells = texts.map((t) => splitCells(t, table.delimiter));
  const header = splitCells(lines[table.headerLine]!, table.delimiter);

  const chosen = new Uint8Array(rows);
  let taken = 0;
  const take = (r: number) => {
    if (taken >= budget || chosen[r]) return;
    chosen[r] = 1;
    taken += 1;
  };
  for (let r = 0; r < HEAD_ROWS; r++) take(r);
  for (let r = rows - TAIL_ROWS; r < rows; r++) take(r);
  // Rows of each entity the question names come before rows ranked by how many of its words they hold.
  // They are kept over the budget if need be: a tightened budget must not drop what the question names.
  for (const r of namedFirst(texts, ctx.query, Math.floor((budget - taken) / 2), (r) => chosen[r] === 1)) {
    chosen[r] = 1;
    taken += 1;
  }
  const matches = matchLines(texts, ctx.query);
  const focused = focusMask(matches, MAX_TERM_SHARE);
  if (focused !== 0) {
    const scored: { r: number; score: number }[] = [];
    for (let r = 0; r < rows; r++) {
      const score = lineScore(matches, r, focused);
      if (score > 0) scored.push({ r, score });
    }
    scored.sort((a, b) => b.score - a.score || a.r - b.r);
    for (const { r } of scored) take(r);
  }
  for (let r = 0; r < rows && taken < budget; r++) if (isErrorText(texts[r]!)) take(r);
  const numbers = numericColumns(cells, Math.min(header.length, SUMMARY_COLUMNS));
  for (const r of outlierRows(cells, numbers)) take(r);

  const keep: boolean[] = new Array(lines.length).fill(false);
  for (let i = 0; i < table.headEnd; i++) keep[i] = true;
  for (let i = table.rowEnd[rows - 1]!; i < lines.length; i++) keep[i] = true;
  const omitted: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (chosen[r]) for (let i = table.rowStart[r]!; i < table.rowEnd[r]!; i++) keep[i] = true;
    else omitted.push(r);
  }
  return {
    keep,
    describe: describer(table, cells, header),
    summary: [summarize(header, cells, numbers, omitted)],
    transform: transformLabel('csv', 'rows', rows, taken),
  };
}

/** CSV, TSV, and pipe tables (markdown, psql). */
export const csvCompressor: Compressor = {
  kind: 'csv',
  detect: detectCsv,
  lines: planCsv,
};
