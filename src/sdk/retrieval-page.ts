/**
 * Pages of a retrieved original, shared by the SDK's `headroom_retrieve` tool and the MCP server's. A page
 * is whole lines while they fit; a single line longer than a page (minified JSON or JS) is cut inside, and
 * the answer names where the next page starts as `hash=<hash>@<line>:<character>`, so the tool
 * definitions (in every request's cached prefix) stay as they are.
 */

import { formatCount } from '../compress/signals.js';

/** A place in the original: a line (0-based) and a character offset inside it (0-based). */
export interface Position {
  readonly line: number;
  readonly char: number;
}

/** A page of the original: its text and where it starts and stops (`to` is exclusive). */
export interface Page {
  readonly text: string;
  readonly from: Position;
  readonly to: Position;
}

/** A hash as the model passes it back, with the position a cut page named (1-based line and character). */
export interface HashRef {
  readonly hash: string;
  readonly at: { readonly line: number; readonly char: number } | undefined;
}

/** Lines with their terminators kept, so joining any run of them gives the original bytes. */
export function linesOf(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/**
 * Reads a hash as a model passes it back: models sometimes copy the marker's `hash=` prefix or change the
 * case. `@<line>:<character>` after it is the continuation of a page cut inside a line.
 */
export function parseHashRef(raw: string): HashRef | undefined {
  const match = /^(?:hash\s*=\s*)?([0-9a-f]{6,64})(?:@(\d{1,15}):(\d{1,15}))?$/.exec(
    raw.trim().toLowerCase(),
  );
  if (!match) return undefined;
  const [, hash, line, char] = match;
  const at = line === undefined ? undefined : { line: Number(line), char: Number(char) };
  if (at !== undefined && (at.line < 1 || at.char < 1)) return undefined;
  return { hash: hash!, at };
}

/** Where the continuation `at` points, or a sentence saying why it points nowhere. */
export function positionOf(lines: readonly string[], at: NonNullable<HashRef['at']>): Position | string {
  const line = lines[at.line - 1];
  if (line === undefined)
    return `line ${formatCount(at.line)} is past the end: the original has ${formatCount(lines.length)} lines`;
  if (at.char > line.length) {
    return `character ${formatCount(at.char)} is past the end of line ${formatCount(at.line)} (${formatCount(line.length)} characters)`;
  }
  return { line: at.line - 1, char: at.char - 1 };
}

/** True when cutting `text` before index `i` would split a surrogate pair. */
function splitsPair(text: string, i: number): boolean {
  const before = text.charCodeAt(i - 1);
  const after = text.charCodeAt(i);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/**
 * The text from `from` up to line `stop` (exclusive), at most `maxChars` characters and `maxLines` lines.
 * Whole lines while they fit; a line that does not fit an empty page is cut inside it (never between the
 * halves of a surrogate pair), so every page is within `maxChars` and makes progress.
 */
export function takePage(
  lines: readonly string[],
  from: Position,
  stop: number,
  maxChars: number,
  maxLines = Number.POSITIVE_INFINITY,
): Page {
  const parts: string[] = [];
  let chars = 0;
  let { line, char } = from;
  while (line < stop && parts.length < maxLines) {
    const text = lines[line]!;
    if (text.length - char <= maxChars - chars) {
      parts.push(char === 0 ? text : text.slice(char));
      chars += text.length - char;
      line += 1;
      char = 0;
      continue;
    }
    if (chars > 0) break;
    let cut = char + maxChars;
    if (cut - 1 > char && splitsPair(text, cut)) cut -= 1;
    parts.push(text.slice(char, cut));
    char = cut;
    break;
  }
  return { text: parts.join(''), from, to: { line, char } };
}

/** `lines 3–7 of 120`, `line 1 of 1, characters 1–50,000 of 63,663`, or a line's rest and then whole lines. */
export function describePage(lines: readonly string[], page: Page): string {
  const { from, to } = page;
  const total = formatCount(lines.length);
  if (to.char > 0) {
    const length = formatCount(lines[to.line]!.length);
    return `line ${formatCount(to.line + 1)} of ${total}, characters ${formatCount(from.char + 1)}–${formatCount(to.char)} of ${length}`;
  }
  if (from.char === 0) return `lines ${formatCount(from.line + 1)}–${formatCount(to.line)} of ${total}`;
  const length = formatCount(lines[from.line]!.length);
  const rest = `line ${formatCount(from.line + 1)} of ${total}, characters ${formatCount(from.char + 1)}–${length} (its end)`;
  return to.line > from.line + 1
    ? `${rest}, then lines ${formatCount(from.line + 2)}–${formatCount(to.line)}`
    : rest;
}

/** The hash argument that gets the rest of a line the page cut, or undefined when the page ends on a whole line. */
export function continuation(hash: string, page: Page): string | undefined {
  return page.to.char === 0 ? undefined : `hash=${hash}@${page.to.line + 1}:${page.to.char + 1}`;
}
