/**
 * The enclosing unit of a kept diff line: the headers of the blocks it sits in (`for (…) {`, and a
 * declaration spread over lines: `export function f<`, its type parameters, `>(`, its parameters,
 * `): T {`), read from the lines of the same side of the hunk. A kept `Math.min(…)` line is little use
 * without the signature that says what its names are, and a kept signature little use without the
 * first lines of the body it opens.
 */

/** Lines a multi-line header may span; a longer run is not a header. */
const MAX_HEADER = 16;
/** Blocks walked out from a kept line: its own block, and the declaration around that. */
const MAX_LEVELS = 3;

/** Net `{` minus `}` of a line, strings and line comments ignored (roughly: quotes are not escaped in headers). */
function braceBalance(text: string): number {
  let n = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\') i += 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '/' && text[i + 1] === '/') break;
    else if (c === '{') n += 1;
    else if (c === '}') n -= 1;
  }
  return n;
}

/** Net openers minus closers of `(`, `[` and `<` (arrows, comparisons with `=` and shifts left out). */
function bracketBalance(text: string): number {
  const plain = text.replace(/=>|->|>=|<=|<<|>>|\/\/.*$/g, '');
  let n = 0;
  for (const c of plain) {
    if (c === '(' || c === '[' || c === '<') n += 1;
    else if (c === ')' || c === ']' || c === '>') n -= 1;
  }
  return n;
}

function indentOf(text: string): number {
  return text.length - text.trimStart().length;
}

/**
 * Indexes (into `side`, the hunk's lines on the kept line's side, prefixes stripped) of the headers
 * enclosing `at`: walking back, each line that opens a block not closed before `at` (a `{`, or a
 * less-indented line ending in `:` for Python), widened upward while its brackets are unbalanced.
 */
export function enclosingHeaders(side: readonly string[], at: number): number[] {
  const out: number[] = [];
  let depth = 0;
  let indent = indentOf(side[at]!);
  let levels = 0;
  for (let j = at - 1; j >= 0 && levels < MAX_LEVELS; j--) {
    const text = side[j]!;
    if (text.trim() === '') continue;
    depth += braceBalance(text);
    const opensBrace = depth > 0;
    const opensIndent = !opensBrace && /:\s*(?:#.*)?$/.test(text) && indentOf(text) < indent;
    if (!opensBrace && !opensIndent) continue;
    depth = 0;
    indent = indentOf(text);
    levels += 1;
    // Widen to the line where the header's brackets balance (`export function f<` above `): T {`).
    let start = j;
    let balance = bracketBalance(text.replace(/[{:]\s*$/, ''));
    while (balance < 0 && start > 0 && j - start < MAX_HEADER) {
      start -= 1;
      balance += bracketBalance(side[start]!);
    }
    if (balance < 0) start = j;
    for (let k = start; k <= j; k++) out.push(k);
    j = start;
  }
  return out;
}

/**
 * Indexes (into `side`, as for `enclosingHeaders`) of the body the line at `at` opens, when it opens one
 * (a `{` it leaves open, or a Python `:`): the lines after it up to the one that closes the block (or the
 * next line no deeper than it), at most `max` of them, without trailing blank lines.
 */
export function openedBody(side: readonly string[], at: number, max: number): number[] {
  const text = side[at]!;
  let depth = braceBalance(text);
  const byIndent = depth <= 0 && /:\s*(?:#.*)?$/.test(text);
  if (depth <= 0 && !byIndent) return [];
  const indent = indentOf(text);
  const out: number[] = [];
  for (let j = at + 1; j < side.length && out.length < max; j++) {
    const line = side[j]!;
    if (line.trim() === '') {
      out.push(j);
      continue;
    }
    if (byIndent && indentOf(line) <= indent) break;
    out.push(j);
    if (byIndent) continue;
    depth += braceBalance(line);
    if (depth <= 0) break;
  }
  while (out.length > 0 && side[out[out.length - 1]!]!.trim() === '') out.pop();
  return out;
}
