import { FAILURE_HEAD, PASSING } from '../log/index.js';

/** What one line of a file listing is. */
export type EntryKind = 'path' | 'row' | 'tree' | 'du' | 'header' | 'total' | 'error' | 'blank' | 'other';

export interface Entry {
  readonly kind: EntryKind;
  /** The directory the entry sits in, without a trailing slash (`` for the listing's own directory). */
  readonly dir: string;
  /** The entry's own name (last path segment), `` when the line names none. */
  readonly name: string;
  /** Parent line in a `tree` drawing, or -1. */
  readonly parent: number;
  readonly isDir: boolean;
  /** Size in bytes from `ls -l` and `du` rows (du's blocks counted as KiB); -1 when the line has none. */
  readonly size: number;
  /** What kind of file it is, for counts: `.ts`, `dirs`, `no extension`. */
  readonly type: string;
}

/** `-rw-r--r--  1 user staff 1234 Jan  5 12:00 name` and its variants (`ls -la`, `ls -l --time-style`). */
const LS_ROW =
  /^[-dlcbpsD?][rwxsStTlL-]{9}[.+@]?\s+\d+\s+(?:\S+\s+){1,2}(?:\d+,\s*)?([\d.,]+[KMGTPkB]?)\s+(?:[A-Za-z]{3}\s+\d{1,2}|\d{1,2}\s+[A-Za-z]{3}\.?|\d{4}-\d{2}-\d{2})\s+(?:\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s+[+-]\d{4})?|\d{4})\s+(.+)$/;
const LS_PERMS = /^[-dlcbpsD?][rwxsStTlL-]{9}[.+@]?\s/;
const TREE_LINE = /^((?:[│|]\s{2,3}|\s{4}|[│|]\u00a0\u00a0\s)*)(?:[├└`|][─-]{2}[\s\u00a0])(.*)$/;
const TREE_SUMMARY = /^\d+ director(?:y|ies)(?:, \d+ files?)?$/;
const DU_ROW = /^\s*(\d+(?:[.,]\d+)?[KMGTPkB]?)\t(\S.*)$/;
const TOTAL = /^total \d+(?:[.,]\d+)?[KMGTP]?$/;
const LISTING_ERROR =
  /Permission denied|No such file or directory|Operation not permitted|Input\/output error|Not a directory|cannot (?:access|open|read)|: Is a directory/i;
const PATH_LIKE = /^(?:[A-Za-z]:\\)?[^\s:;{}="'`<>|*?\t][^:;{}="'`<>|*?\t]*$/;

/** True when a line could be a path or file name (`src/a.ts`, `./build/`, `README.md`, `My Docs/a.txt`). */
function isPathLike(line: string): boolean {
  if (line.length > 400 || !PATH_LIKE.test(line)) return false;
  if (line.includes(' ')) return line.includes('/') && !line.includes('  ');
  return true;
}

const UNITS: Readonly<Record<string, number>> = {
  K: 2 ** 10,
  k: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30,
  T: 2 ** 40,
  P: 2 ** 50,
};

/** `4096`, `1.5M`, `28K` as bytes; `scale` turns du's bare KiB blocks into bytes. */
function sizeOf(text: string, scale: number): number {
  const m = /^(\d+(?:[.,]\d+)?)([KMGTPkB]?)$/.exec(text);
  if (!m) return -1;
  const unit = m[2] === '' || m[2] === 'B' ? scale : UNITS[m[2]!]!;
  return Number(m[1]!.replace(',', '.')) * unit;
}

function splitPath(path: string): { dir: string; name: string; isDir: boolean } {
  const isDir = path.endsWith('/');
  const clean = isDir ? path.slice(0, -1) : path;
  const slash = clean.lastIndexOf('/');
  return slash === -1
    ? { dir: '', name: clean, isDir }
    : { dir: clean.slice(0, slash), name: clean.slice(slash + 1), isDir };
}

/** Classifies one line on its own, without the context of the lines around it. */
function lineKind(line: string): EntryKind {
  const trimmed = line.trim();
  if (trimmed.length === 0) return 'blank';
  // Every message of find, ls and du has a colon; paths rarely do.
  if (line.includes(':') && LISTING_ERROR.test(line)) return 'error';
  if (TOTAL.test(trimmed) || TREE_SUMMARY.test(trimmed)) return 'total';
  if (LS_PERMS.test(line)) return 'row';
  if (TREE_LINE.test(line)) return 'tree';
  if (DU_ROW.test(line)) return 'du';
  if (trimmed.endsWith(':') && isPathLike(trimmed.slice(0, -1))) return 'header';
  return isPathLike(trimmed) ? 'path' : 'other';
}

/**
 * Reads a listing line by line, tracking the context that gives a line its directory: the `dir:`
 * headers of `ls -R` and the indentation of `tree`.
 */
export function parseListing(lines: readonly string[]): Entry[] {
  const entries: Entry[] = [];
  let currentDir = '';
  // `tree` ancestry: the line index and name at each depth.
  const treeStack: { line: number; name: string }[] = [];
  const add = (kind: EntryKind, dir: string, name: string, isDir: boolean, size = -1, parent = -1) => {
    entries.push({ kind, dir, name, parent, isDir, size, type: typeOf(name, isDir) });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let kind = lineKind(line);
    // `ls -R` names a directory with `dir:` at the start or after a blank line.
    if (kind === 'header' && !(i === 0 || lines[i - 1]!.trim() === '')) kind = 'other';
    if (kind === 'header') {
      currentDir = line.trim().slice(0, -1).replace(/\/$/, '');
      add(kind, currentDir, '', true);
    } else if (kind === 'row') {
      const m = LS_ROW.exec(line);
      const name = (m ? m[2]! : line.trim().split(/\s+/).pop()!).replace(/ -> .*$/, '');
      const isDir = line.startsWith('d');
      add(kind, currentDir, name, isDir, m && !isDir ? sizeOf(m[1]!.replace(/,/g, ''), 1) : -1);
    } else if (kind === 'tree') {
      const m = TREE_LINE.exec(line)!;
      const depth = Math.round((m[1]!.length + 4) / 4);
      treeStack.length = Math.min(treeStack.length, depth);
      const dir = treeStack
        .slice(0, depth)
        .map((s) => s.name)
        .join('/');
      const name = m[2]!.replace(/ -> .*$/, '');
      add(kind, dir, name, name.endsWith('/'), -1, treeStack[depth - 1]?.line ?? -1);
      treeStack[depth] = { line: i, name: name.replace(/\/$/, '') };
    } else if (kind === 'du') {
      const m = DU_ROW.exec(line)!;
      const { dir, name } = splitPath(m[2]!);
      add(kind, dir, name, false, sizeOf(m[1]!, 1024));
    } else if (kind === 'path') {
      if (i === 0 && i + 1 < lines.length && TREE_LINE.test(lines[i + 1]!)) {
        // The root line of a `tree` drawing.
        treeStack[0] = { line: i, name: line.trim().replace(/\/$/, '') };
      }
      const { dir, name, isDir } = splitPath(line.trim());
      // `ls -R` prints bare names under the last header; `find` prints whole paths.
      add(kind, currentDir !== '' && dir === '' ? currentDir : dir, name, isDir);
    } else if (kind === 'other' && !/:\s/.test(line)) {
      // Names with spaces in `ls -R` output are entries too; only message-like lines (`find: …`) are not.
      add('path', currentDir, line.trim(), false);
    } else add(kind, currentDir, '', false);
  }
  return entries;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** An entry's extension, skipping version suffixes (`libz.so.1.2.13` is a `.so`), or `dirs`. */
function typeOf(name: string, isDir: boolean): string {
  if (isDir) return 'dirs';
  let end = name.length;
  for (;;) {
    const dot = name.lastIndexOf('.', end - 1);
    if (dot <= 0) return 'no extension';
    const first = name.charCodeAt(dot + 1);
    if (isLetter(first)) return name.slice(dot, end).toLowerCase();
    if (first < 48 || first > 57) return 'no extension';
    end = dot;
  }
}

/**
 * Most of the lines are paths, `ls -l` rows, `tree` lines or `du` rows. A test runner's result line names a
 * path too (`PASS src/a.test.ts (12 ms)`, `✓ test/b.test.ts (4 tests)`), but a run of them is a log: without
 * the command (a Codex frame over the WebSocket carries only the output) only the status word tells.
 */
export function looksLikeListing(text: string): boolean {
  const sample = text.slice(0, 40_000).split('\n', 300);
  let nonBlank = 0;
  let listed = 0;
  let shaped = 0;
  for (const line of sample) {
    const kind = lineKind(line);
    if (kind === 'blank') continue;
    nonBlank += 1;
    if (kind === 'other' || PASSING.test(line) || FAILURE_HEAD.test(line)) continue;
    listed += 1;
    if (kind !== 'path' || line.includes('/') || /\.\w{1,8}$/.test(line.trim())) shaped += 1;
  }
  return nonBlank >= 5 && listed >= nonBlank * 0.85 && shaped >= nonBlank * 0.5;
}
