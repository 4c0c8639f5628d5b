import type { Colors } from './logger.js';

export type Align = 'left' | 'right';

export interface TableSpec {
  readonly headers: readonly string[];
  readonly align: readonly Align[];
  readonly rows: readonly (readonly string[])[];
  /** Row indexes drawn after a separator line (the Total row). */
  readonly footerFrom?: number;
  readonly color: Colors;
}

// Escape sequences do not take up columns on screen.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

function pad(text: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - visibleWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** A bordered table with cyan headers and aligned columns. */
export function renderTable(spec: TableSpec): string {
  const widths = spec.headers.map((header, i) =>
    Math.max(visibleWidth(header), ...spec.rows.map((row) => visibleWidth(row[i] ?? ''))),
  );
  const line = (left: string, mid: string, right: string): string =>
    left + widths.map((w) => '─'.repeat(w + 2)).join(mid) + right;
  const cells = (row: readonly string[], style: (s: string) => string = (s) => s): string =>
    `│${row.map((cell, i) => ` ${style(pad(cell, widths[i] ?? 0, spec.align[i] ?? 'left'))} `).join('│')}│`;

  const out = [line('┌', '┬', '┐'), cells(spec.headers, (s) => spec.color.cyan(s)), line('├', '┼', '┤')];
  spec.rows.forEach((row, index) => {
    if (spec.footerFrom !== undefined && index === spec.footerFrom && index > 0)
      out.push(line('├', '┼', '┤'));
    out.push(cells(row));
  });
  out.push(line('└', '┴', '┘'));
  return out.join('\n');
}
