import type { BlockHint } from '../../types.js';
import { extensionOf } from '../line-tools.js';

/** How a language writes comments and strings: all the scanner needs to tell code from the rest. */
export interface Dialect {
  readonly slashComments: boolean;
  readonly hashComments: boolean;
  readonly dashComments: boolean;
  /** `"""` / `'''` strings that span lines (Python, Kotlin, Swift). */
  readonly tripleQuotes: boolean;
  /** Backtick strings that span lines (JS templates, Go raw strings). */
  readonly backticks: boolean;
  /** `'` starts a char literal only in `'x'` form; elsewhere it is a lifetime (Rust). */
  readonly rustQuotes: boolean;
}

const C_LIKE: Dialect = {
  slashComments: true,
  hashComments: false,
  dashComments: false,
  tripleQuotes: false,
  backticks: true,
  rustQuotes: false,
};
const PYTHON: Dialect = {
  ...C_LIKE,
  slashComments: false,
  hashComments: true,
  tripleQuotes: true,
  backticks: false,
};
const HASH: Dialect = { ...C_LIKE, slashComments: false, hashComments: true, backticks: false };

const BY_EXTENSION: Readonly<Record<string, Dialect>> = {
  '.py': PYTHON,
  '.pyi': PYTHON,
  '.rs': { ...C_LIKE, backticks: false, rustQuotes: true },
  '.kt': { ...C_LIKE, tripleQuotes: true, backticks: false },
  '.kts': { ...C_LIKE, tripleQuotes: true, backticks: false },
  '.swift': { ...C_LIKE, tripleQuotes: true, backticks: false },
  '.scala': { ...C_LIKE, tripleQuotes: true, backticks: false },
  '.php': { ...C_LIKE, hashComments: true, backticks: false },
  '.lua': { ...C_LIKE, slashComments: false, dashComments: true, backticks: false },
  '.sql': { ...C_LIKE, dashComments: true, backticks: false },
  '.hs': { ...C_LIKE, slashComments: false, dashComments: true, backticks: false },
};
const HASH_EXTENSIONS =
  /^\.(?:rb|sh|bash|zsh|fish|pl|pm|r|jl|ex|exs|nim|tf|ps1|cmake|mk|yaml|yml|toml|dockerfile|coffee|cr|tcl)$/;

/** The dialect of a source text: from the file's extension, else from a shebang or Python-looking lines. */
export function dialectOf(lines: readonly string[], hint: BlockHint): Dialect {
  const ext = hint.filePath ? extensionOf(hint.filePath) : '';
  const known = BY_EXTENSION[ext];
  if (known) return known;
  if (HASH_EXTENSIONS.test(ext)) return HASH;
  if (ext !== '') return C_LIKE;
  const first = lines[0] ?? '';
  if (/^#!.*\bpython/.test(first)) return PYTHON;
  if (/^#!/.test(first)) return HASH;
  let python = 0;
  let braces = 0;
  const sample = Math.min(lines.length, 400);
  for (let i = 0; i < sample; i++) {
    const line = lines[i]!;
    if (
      /^\s*(?:async\s+)?(?:def|class)\s+\w+.*:\s*$|^\s*(?:from\s+[\w.]+\s+)?import\s+\w[\w., ]*$|^\s*(?:elif|except)\b/.test(
        line,
      )
    )
      python += 1;
    else if (/[{;]\s*$/.test(line)) braces += 1;
  }
  return python > braces ? PYTHON : C_LIKE;
}

/** What a line is, for structure: code, a comment, a line inside a multi-line string, or blank. */
export type LineKind = 'code' | 'comment' | 'string' | 'blank';

export interface Scan {
  readonly kinds: readonly LineKind[];
  /** Opened minus closed `(` and `[` outside strings and comments. */
  readonly parenDelta: readonly number[];
  /** Leading whitespace width (a tab counts 4). */
  readonly indent: readonly number[];
}

function indentOf(line: string): number {
  let width = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) width += 1;
    else if (c === 9) width += 4;
    else return width;
  }
  return width;
}

/** Index just past the closing quote of a single-line string starting at `at`, or -1 when it does not close. */
function closeQuote(line: string, at: number, quote: string): number {
  for (let i = at + 1; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') i += 1;
    else if (c === quote) return i + 1;
  }
  return -1;
}

const RUST_CHAR = /'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'])'/y;

/**
 * One pass over the text marking comments, multi-line strings and bracket balance. Strings that do not
 * close on their line are treated as plain characters, so an apostrophe in a comment-less line cannot
 * swallow the rest of the file.
 */
export function scanSource(lines: readonly string[], dialect: Dialect): Scan {
  const kinds: LineKind[] = new Array(lines.length);
  const parenDelta: number[] = new Array(lines.length).fill(0);
  const indent: number[] = new Array(lines.length);
  let openComment = false;
  let openString = '';
  let commentIndent = 0;
  const special = specialCharacters(dialect);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    indent[n] = indentOf(line);
    let i = 0;
    let kind: LineKind | undefined;
    if (openComment) {
      kind = 'comment';
      // A comment's later lines belong where the comment started, however they are indented.
      indent[n] = commentIndent;
      const close = line.indexOf('*/');
      if (close === -1) {
        kinds[n] = kind;
        continue;
      }
      openComment = false;
      i = close + 2;
    } else if (openString !== '') {
      kind = 'string';
      const close = openString === '`' ? closeBacktick(line, 0) : line.indexOf(openString);
      if (close === -1) {
        kinds[n] = kind;
        continue;
      }
      i = openString === '`' ? close : close + openString.length;
      openString = '';
    } else if (line.trim().length === 0) {
      kinds[n] = 'blank';
      continue;
    }
    let delta = 0;
    let sawCode = false;
    while (i < line.length) {
      // Jump to the next character that can open a comment or string or change bracket depth.
      special.lastIndex = i;
      const found = special.exec(line);
      const at = found ? found.index : line.length;
      if (!sawCode && hasText(line, i, at)) sawCode = true;
      if (!found) break;
      i = at;
      const c = line[i]!;
      const next = line[i + 1];
      if (c === '/' && next === '/') break;
      if (c === '/' && next === '*') {
        const close = line.indexOf('*/', i + 2);
        if (close === -1) {
          openComment = true;
          commentIndent = indent[n]!;
          break;
        }
        i = close + 2;
        continue;
      }
      if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
      if (c === '-' && next === '-') break;
      sawCode = true;
      if (dialect.tripleQuotes && (c === '"' || c === "'") && line.startsWith(c.repeat(3), i)) {
        const close = line.indexOf(c.repeat(3), i + 3);
        if (close === -1) {
          openString = c.repeat(3);
          break;
        }
        i = close + 3;
        continue;
      }
      if (c === '`') {
        const close = closeBacktick(line, i + 1);
        if (close === -1) {
          openString = '`';
          break;
        }
        i = close;
        continue;
      }
      if (c === '"' || (c === "'" && !dialect.rustQuotes)) {
        const close = closeQuote(line, i, c);
        i = close === -1 ? i + 1 : close;
        continue;
      }
      if (c === "'") {
        RUST_CHAR.lastIndex = i;
        i = RUST_CHAR.test(line) ? RUST_CHAR.lastIndex : i + 1;
        continue;
      }
      if (c === '(' || c === '[') delta += 1;
      else if (c === ')' || c === ']') delta -= 1;
      i += 1;
    }
    kinds[n] = kind ?? (sawCode ? 'code' : 'comment');
    parenDelta[n] = delta;
  }
  return { kinds, parenDelta, indent };
}

/** The characters the scanner stops at: quotes, brackets, and the dialect's comment starts. */
function specialCharacters(dialect: Dialect): RegExp {
  let chars = `"'()[\\]`;
  if (dialect.backticks) chars += '`';
  if (dialect.slashComments) chars += '/';
  if (dialect.hashComments) chars += '#';
  if (dialect.dashComments) chars += '\\-';
  return new RegExp(`[${chars}]`, 'g');
}

function hasText(line: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) return true;
  }
  return false;
}

/** Index just past a closing backtick (escapes skipped), or -1. */
function closeBacktick(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') i += 1;
    else if (c === '`') return i + 1;
  }
  return -1;
}

/**
 * The block structure implied by indentation: each code line's parent is the nearest code line above it
 * with less indentation. Comments and string bodies do not shape the tree; they belong to the deepest
 * block that encloses them.
 */
export interface Tree {
  /** Parent code line, or -1 at the top level. Set for code and comment lines. */
  readonly parent: readonly number[];
  /** Last line (code or comment) inside a code line's block; the line itself when it has none. */
  readonly end: readonly number[];
  /** Direct code children of each line; index `lines.length` holds the top level. */
  readonly children: readonly (readonly number[])[];
}

export function buildTree(scan: Scan): Tree {
  const n = scan.kinds.length;
  const parent: number[] = new Array(n).fill(-1);
  const end: number[] = new Array(n).fill(-1);
  const children: number[][] = Array.from({ length: n + 1 }, () => []);
  const stack: number[] = [];
  const pop = () => {
    const top = stack.pop()!;
    const below = stack[stack.length - 1];
    if (below !== undefined && end[top]! > end[below]!) end[below] = end[top]!;
  };
  for (let i = 0; i < n; i++) {
    const kind = scan.kinds[i]!;
    if (kind === 'blank') continue;
    const indent = scan.indent[i]!;
    if (kind === 'string') {
      const top = stack[stack.length - 1];
      if (top !== undefined) end[top] = i;
      parent[i] = top ?? -1;
      continue;
    }
    if (kind === 'comment') {
      // A comment belongs to the deepest open block indented less than itself.
      let k = stack.length - 1;
      while (k >= 0 && scan.indent[stack[k]!]! >= indent) k -= 1;
      const owner = k >= 0 ? stack[k]! : -1;
      if (owner !== -1) end[owner] = i;
      parent[i] = owner;
      continue;
    }
    while (stack.length > 0 && scan.indent[stack[stack.length - 1]!]! >= indent) pop();
    const top = stack[stack.length - 1];
    parent[i] = top ?? -1;
    if (top !== undefined) end[top] = i;
    children[top ?? n]!.push(i);
    end[i] = i;
    stack.push(i);
  }
  while (stack.length > 0) pop();
  return { parent, end, children };
}

/** Longest signature we follow across lines. */
const MAX_HEADER_LINES = 30;

/**
 * The line where a statement that opens a bracket it does not close on its first line (a multi-line
 * signature) closes it; the start itself otherwise. Only starts ending in `(`, `[`, `,` or `<` count: a
 * line ending in `{` has already opened its body.
 */
export function headerEnd(lines: readonly string[], scan: Scan, start: number): number {
  if (scan.parenDelta[start]! <= 0) return start;
  if (!/[([,<]\s*$/.test(lines[start]!)) return start;
  let balance = scan.parenDelta[start]!;
  const limit = Math.min(lines.length, start + MAX_HEADER_LINES);
  for (let i = start + 1; i < limit; i++) {
    if (scan.kinds[i] !== 'code') continue;
    if (scan.indent[i]! < scan.indent[start]!) return start;
    balance += scan.parenDelta[i]!;
    if (balance <= 0) return i;
  }
  return start;
}
