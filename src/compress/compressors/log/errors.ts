import { formatCount } from '../../signals.js';
import { countOf } from '../line-tools.js';

/**
 * The code a diagnostic carries, in the common tools' formats: tsc `error TS2322:`, rustc `error[E0308]:`,
 * flake8/ruff/pylint `E501` after the position, gcc `[-Wunused-variable]` and mypy `[arg-type]` at the end,
 * `npm ERR! code ERESOLVE`, and thrown exception classes (`TypeError:`).
 */
const CODE =
  /\b(TS\d{4,5})\b|\b(?:error|warning)\[([\w-]+)\]|:\d+(?::\d+)?:? ([A-Z]{1,3}\d{3,4})\b|\[(-W[\w=-]+)\]\s*$|\s\s\[([a-z][\w-]*)\]\s*$|^npm ERR! code (\S+)|\b([A-Z][A-Za-z0-9]*(?:Error|Exception))(?::|$)/;

/** A path with a position right after it: `src/a.ts(3,5)`, `a.c:12:5:`, rustc's ` --> src/main.rs:4:5`. */
const FILE_AT = /^\s*(?:--> )?(?:\.\/)?((?:[\w@.+-]+[/\\])*[\w@.+-]+\.[A-Za-z]\w{0,9})(?:\(\d|:\d)/;

export function errorCode(line: string): string | undefined {
  const m = CODE.exec(line);
  if (!m) return undefined;
  for (let g = 1; g < m.length; g++) if (m[g] !== undefined) return m[g];
  return undefined;
}

export function errorFile(line: string): string | undefined {
  return FILE_AT.exec(line)?.[1];
}

/**
 * Adds items to `chosen` until it holds `budget`, for diversity first: level by level, the items that
 * bring a key no chosen item has at that level (a new error code, then a new directory, then a new file),
 * in input order. An item with several keys at a level counts as new if any of them is. When a level
 * offers more new items than the budget has room for, the room goes to items spread evenly over them,
 * so 20 picks among 300 files show the whole run, not its first 20 files. With `sameness`, at most
 * `perKind` chosen items may share one kind: 600 copies of one message in 600 files need few examples.
 */
export function pickDiverse<T>(
  items: readonly T[],
  levels: readonly ((item: T) => readonly string[])[],
  budget: number,
  chosen: Set<T>,
  sameness?: { readonly kindOf: (item: T) => number; readonly perKind: number },
): void {
  // Items of each kind, chosen or offered at the current level.
  const perKind = new Map<number, number>();
  const full = (item: T) =>
    sameness !== undefined && (perKind.get(sameness.kindOf(item)) ?? 0) >= sameness.perKind;
  const count = (item: T) => {
    if (!sameness) return;
    const kind = sameness.kindOf(item);
    perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
  };
  for (const keysOf of levels) {
    const room = budget - chosen.size;
    if (room <= 0) return;
    perKind.clear();
    for (const item of chosen) count(item);
    const seen = new Set<string>();
    for (const item of chosen) for (const key of keysOf(item)) seen.add(key);
    const fresh: T[] = [];
    for (const item of items) {
      if (chosen.has(item) || full(item)) continue;
      const keys = keysOf(item);
      if (!keys.some((k) => !seen.has(k))) continue;
      fresh.push(item);
      count(item);
      for (const k of keys) seen.add(k);
    }
    if (fresh.length <= room) for (const item of fresh) chosen.add(item);
    else for (let k = 0; k < room; k++) chosen.add(fresh[Math.floor((k * fresh.length) / room)]!);
  }
}

/** The directory part of a path, with its trailing separator; empty for a bare name. */
export function dirOf(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** Codes shown by name in a note; the rest are `…`. */
const NOTE_CODES = 3;

/**
 * A note for an omitted run that is mostly coded errors: `212 errors: TS1484 ×180, TS2307 ×32 in
 * src/core/…`. Undefined when the run is something else, so the caller can describe it otherwise.
 */
export function errorRunNote(
  start: number,
  end: number,
  codes: readonly (string | undefined)[],
  files: readonly (string | undefined)[],
  blank: (i: number) => boolean,
): string | undefined {
  const perCode = new Map<string, number>();
  let errors = 0;
  let nonBlank = 0;
  let dir: string | undefined;
  let file: string | undefined;
  let oneFile = true;
  for (let i = start; i < end; i++) {
    if (blank(i)) continue;
    nonBlank += 1;
    const code = codes[i];
    if (code === undefined) continue;
    errors += 1;
    perCode.set(code, (perCode.get(code) ?? 0) + 1);
    const f = files[i];
    if (f === undefined) continue;
    if (file === undefined) {
      file = f;
      dir = dirOf(f);
    } else if (f !== file) {
      oneFile = false;
      while (dir !== undefined && dir.length > 0 && !f.startsWith(dir)) dir = dirOf(dir.slice(0, -1));
    }
  }
  // A run of passing tests with one coded line in it is not a run of errors.
  if (errors < 2 || errors * 2 < nonBlank) return undefined;
  const byCount = [...perCode].sort((a, b) => b[1] - a[1]);
  const shown = byCount.slice(0, NOTE_CODES).map(([code, n]) => `${code} ×${formatCount(n)}`);
  if (byCount.length > NOTE_CODES) shown.push('…');
  const where = file === undefined ? '' : oneFile ? ` in ${file}` : dir ? ` in ${dir}…` : '';
  const others = nonBlank - errors;
  const rest = others > 0 ? `; ${countOf(others, 'other line')}` : '';
  return `${countOf(errors, 'error')}: ${shown.join(', ')}${where}${rest}`;
}
