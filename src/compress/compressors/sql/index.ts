import { formatCount } from '../../signals.js';
import type { BlockHint, Compressor, CompressorContext, LinePlan } from '../../types.js';
import {
  bump,
  countKept,
  extensionOf,
  MIN_LINES,
  omitsEnough,
  shareMatching,
  topCounts,
  transformLabel,
} from '../line-tools.js';
import { namedFirst } from '../named-first.js';

/** `INSERT INTO "sales" VALUES(…)`, `INSERT INTO public.sales (a, b) VALUES …`, MySQL's backticks. */
const INSERT = /^INSERT INTO\s+((?:[`"[]?[\w$]+[`"\]]?\.)?[`"[]?[\w$]+[`"\]]?)/i;
/** pg_dump's data blocks: `COPY public.sales (id, year) FROM stdin;` … `\.` */
const COPY = /^COPY\s+(\S+)\s.*\bFROM stdin;$/i;
const COPY_END = '\\.';
/** Rows kept at each end of every table's data, so its shape and span show. */
const HEAD_ROWS = 2;
const TAIL_ROWS = 1;
/** A dump needs this many data rows in its sample to be one. */
const MIN_ROWS = 20;

function detectSql(text: string, hint: BlockHint): boolean {
  if (hint.filePath && extensionOf(hint.filePath) === '.sql') return true;
  const sample = text.slice(0, 65_536);
  if (/^COPY\s+\S+\s.*\bFROM stdin;$/im.test(sample) && /^\\\.$/m.test(sample)) return true;
  const { matched, nonBlank } = shareMatching(sample.split('\n', 400), INSERT);
  return matched >= MIN_ROWS && matched >= nonBlank * 0.3;
}

/** The table of each data row (an INSERT line or a line of a COPY block); undefined for statements. */
function tablesOf(lines: readonly string[]): (string | undefined)[] {
  const tables: (string | undefined)[] = new Array(lines.length);
  let copying: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (copying !== undefined) {
      if (line === COPY_END) copying = undefined;
      else tables[i] = copying;
      continue;
    }
    const copy = COPY.exec(line);
    if (copy) {
      copying = copy[1]!;
      continue;
    }
    const insert = INSERT.exec(line);
    if (insert) tables[i] = insert[1]!.replace(/[`"[\]]/g, '');
  }
  return tables;
}

/**
 * Keeps every statement (schema, indexes, transactions, settings) and, of the data rows, the first and
 * last of each table's run and the rows the question names; the other rows are counted runs per table.
 */
function planSql(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  if (lines.length < MIN_LINES) return undefined;
  const tables = tablesOf(lines);
  const rows: number[] = [];
  for (let i = 0; i < lines.length; i++) if (tables[i] !== undefined) rows.push(i);
  const budget = ctx.budgets.maxRows;
  if (rows.length <= budget) return undefined;
  const keep = lines.map((_, i) => tables[i] === undefined);
  // The first and last rows of each run of one table's rows.
  const fromStart = new Int32Array(lines.length);
  for (let i = 1; i < lines.length; i++)
    if (tables[i] !== undefined && tables[i] === tables[i - 1]) fromStart[i] = fromStart[i - 1]! + 1;
  let toEnd = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    toEnd = tables[i] !== undefined && tables[i] === tables[i + 1] ? toEnd + 1 : 0;
    if (tables[i] !== undefined && (fromStart[i]! < HEAD_ROWS || toEnd < TAIL_ROWS)) keep[i] = true;
  }
  const named = namedFirst(
    rows.map((i) => lines[i]!),
    ctx.query,
    budget,
    (k) => keep[rows[k]!]!,
  );
  for (const k of named) keep[rows[k]!] = true;
  if (!omitsEnough(keep)) return undefined;
  const keptRows = rows.filter((i) => keep[i]).length;
  return {
    keep,
    describe(start: number, end: number): string | undefined {
      const counts = new Map<string, number>();
      let other = 0;
      for (let i = start; i < end; i++) {
        const t = tables[i];
        if (t === undefined) other += 1;
        else bump(counts, t);
      }
      if (counts.size === 0) return undefined;
      const parts = [...counts].map(([t, n]) => `${formatCount(n)} ${n === 1 ? 'row' : 'rows'} of ${t}`);
      if (other > 0) parts.push(`${formatCount(other)} other lines`);
      return parts.length > 3 ? `${topCounts(counts, 3)} rows` : parts.join(', ');
    },
    transform: transformLabel(
      'sql',
      'rows',
      rows.length,
      keptRows,
      ` lines ${lines.length}→${countKept(keep)}`,
    ),
  };
}

/** SQL dumps (sqlite `.dump`, pg_dump, mysqldump with one row per INSERT): statements whole, data rows thinned. */
export const sqlCompressor: Compressor = {
  kind: 'sql',
  detect: detectSql,
  lines: planSql,
};
