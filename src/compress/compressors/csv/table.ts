/** A delimited table read from lines: where its header and rows are. A row may span lines (quoted newlines). */
export interface Table {
  readonly delimiter: string;
  /** Lines before the first data row that are kept as the table's head (header, `|---|` rule, preamble). */
  readonly headEnd: number;
  readonly headerLine: number;
  /** First line of each data row, and one past its last line. */
  readonly rowStart: readonly number[];
  readonly rowEnd: readonly number[];
}

const CANDIDATES = [',', '\t', ';', '|'] as const;
const SAMPLE_LINES = 60;

/** Delimiters outside double quotes, and whether a quote is still open at the end of the line. */
function countDelimiters(
  line: string,
  delimiter: string,
  inQuote: boolean,
): { count: number; open: boolean } {
  let count = 0;
  if (!inQuote && !line.includes('"')) {
    for (let at = line.indexOf(delimiter); at !== -1; at = line.indexOf(delimiter, at + 1)) count += 1;
    return { count, open: false };
  }
  let open = inQuote;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') open = !open;
    else if (!open && c === delimiter) count += 1;
  }
  return { count, open };
}

/** Rows of the sample as delimiter counts, joining lines while a quote is open. */
function rowCounts(lines: readonly string[], delimiter: string): number[] {
  const counts: number[] = [];
  let open = false;
  let pending = 0;
  for (const line of lines) {
    if (!open && line.trim().length === 0) continue;
    // Pipes inside quotes are rare and quotes in markdown tables are text, so pipes ignore quoting.
    const r = countDelimiters(line, delimiter, delimiter === '|' ? false : open);
    pending += r.count;
    open = delimiter === '|' ? false : r.open;
    if (!open) {
      counts.push(pending);
      pending = 0;
    }
  }
  return counts;
}

function modeOf(values: readonly number[]): { value: number; share: number } {
  const tally = new Map<number, number>();
  let best = 0;
  let bestCount = 0;
  for (const v of values) {
    const n = (tally.get(v) ?? 0) + 1;
    tally.set(v, n);
    if (n > bestCount || (n === bestCount && v > best)) {
      best = v;
      bestCount = n;
    }
  }
  return { value: best, share: values.length === 0 ? 0 : bestCount / values.length };
}

/**
 * The delimiter that splits nearly every row of the sample into the same number of fields (at least
 * three for commas and semicolons, which prose and code use too), or undefined.
 */
export function findDelimiter(lines: readonly string[]): { delimiter: string; fields: number } | undefined {
  const sample = lines.slice(0, SAMPLE_LINES);
  // Sentences with commas in them are prose, however regular the commas.
  const sentences = sample.filter((l) => /[a-z][.!?]["')]?\s*$/.test(l)).length;
  if (sentences > sample.length * 0.3) return undefined;
  let best: { delimiter: string; fields: number; share: number } | undefined;
  for (const delimiter of CANDIDATES) {
    const counts = rowCounts(sample, delimiter);
    if (counts.length < 3) continue;
    const minimum = delimiter === ',' || delimiter === ';' ? 2 : 1;
    let { value, share } = modeOf(counts);
    // Ragged rows (trailing empty fields left out) still have at most the header's fields, and most of them.
    const header = counts[0]!;
    if (share < 0.85 && header >= minimum) {
      const floor = Math.max(minimum, Math.ceil(header / 2));
      const fitting = counts.filter((c) => c >= floor && c <= header).length;
      if (fitting >= counts.length * 0.85) {
        value = header;
        share = fitting / counts.length;
      }
    }
    if (value < minimum || share < 0.85) continue;
    if (!best || share > best.share || (share === best.share && value > best.fields - 1)) {
      best = { delimiter, fields: value + 1, share };
    }
  }
  return best ? { delimiter: best.delimiter, fields: best.fields } : undefined;
}

const RULE = /^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$|^[-+=\s]+$/;

/** Splits the lines into head and data rows. */
export function readTable(lines: readonly string[], delimiter: string, fields: number): Table {
  const rowStart: number[] = [];
  const rowEnd: number[] = [];
  let headerLine = -1;
  let headEnd = 0;
  let open = false;
  let start = 0;
  let pending = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!open) {
      if (line.trim().length === 0) continue;
      start = i;
      pending = 0;
    }
    const r = countDelimiters(line, delimiter, delimiter === '|' ? false : open);
    pending += r.count;
    open = delimiter === '|' ? false : r.open;
    if (open && i + 1 < lines.length) continue;
    open = false;
    if (headerLine === -1) {
      if (pending === fields - 1) headerLine = start;
      headEnd = i + 1;
      continue;
    }
    // A `|---|---|` or `----+----` rule right under the header belongs to the head.
    if (rowStart.length === 0 && RULE.test(line)) {
      headEnd = i + 1;
      continue;
    }
    rowStart.push(start);
    rowEnd.push(i + 1);
  }
  return { delimiter, headEnd, headerLine, rowStart, rowEnd };
}

/** The cells of a row's text, unquoted and trimmed; a markdown table's outer pipes are dropped. */
export function splitCells(text: string, delimiter: string): string[] {
  const cells =
    delimiter === '|' || !text.includes('"') ? plainCells(text, delimiter) : quotedCells(text, delimiter);
  if (delimiter === '|' && cells.length > 1) {
    if (cells[0] === '') cells.shift();
    if (cells[cells.length - 1] === '') cells.pop();
  }
  return cells;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13;
}

function plainCells(text: string, delimiter: string): string[] {
  const cells = text.split(delimiter);
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    // Most cells have no padding; trimming them all would copy every one.
    if (cell.length > 0 && (isSpace(cell.charCodeAt(0)) || isSpace(cell.charCodeAt(cell.length - 1)))) {
      cells[i] = cell.trim();
    }
  }
  return cells;
}

/** RFC 4180 quoting: `"a, b"` is one cell and `""` inside quotes is a quote. */
function quotedCells(text: string, delimiter: string): string[] {
  const cells: string[] = [];
  let parts: string[] = [];
  let from = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      parts.push(text.slice(from, i));
      if (quoted && text[i + 1] === '"') {
        parts.push('"');
        i += 1;
      } else quoted = !quoted;
      from = i + 1;
    } else if (c === delimiter && !quoted) {
      parts.push(text.slice(from, i));
      cells.push(parts.join('').trim());
      parts = [];
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  cells.push(parts.join('').trim());
  return cells;
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const GROUPED = /^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

/**
 * A cell as a number (`1,234.5`, `$12`, `45%`, `-3e2`), or NaN. A character scan first: this runs on
 * every cell of tables with tens of thousands of rows.
 */
export function numberOf(cell: string): number {
  let start = 0;
  let end = cell.length;
  if (end === 0 || end > 40) return Number.NaN;
  const first = cell.charCodeAt(0);
  if (first === 36 || first === 8364 || first === 163) start = 1;
  if (cell.charCodeAt(end - 1) === 37) end -= 1;
  let digits = 0;
  let commas = false;
  for (let i = start; i < end; i++) {
    const c = cell.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) digits += 1;
    else if (c === 44) commas = true;
    // `.`, `-`, `+`, `e`, `E`
    else if (c !== 46 && c !== 45 && c !== 43 && c !== 101 && c !== 69) return Number.NaN;
  }
  if (digits === 0) return Number.NaN;
  let body = start === 0 && end === cell.length ? cell : cell.slice(start, end);
  if (commas) {
    if (!GROUPED.test(body)) return Number.NaN;
    body = body.replaceAll(',', '');
  }
  return Number(body);
}
