import { type Envelope, splitLines } from './envelope.js';

/**
 * `cat -n` and Claude Code's `Read` prefix every line with its number and a tab (older Claude Code used
 * `→`). The content after the first separator is the line itself, tabs inside it included. Returns how
 * long the prefix at the start of `line` is (`/^( *\d+)(\t|→)/`'s match), 0 for none: read by hand, as a
 * regex makes a match object for every line.
 */
function prefixLength(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 0x20) i++;
  const digits = i;
  for (let c = line.charCodeAt(i); c >= 0x30 && c <= 0x39; c = line.charCodeAt(i)) i++;
  if (i === digits) return 0;
  const separator = line.charCodeAt(i);
  return separator === 0x09 || separator === 0x2192 ? i + 1 : 0;
}

/** Recognises line-numbered output: nearly every line carries a prefix and the numbers ascend by one. */
export function parseLineNumbered(text: string): Envelope | undefined {
  // The first line must carry a prefix (which never spans a line), so most text is ruled out unsplit.
  if (text.length > 0 && prefixLength(text) === 0) return undefined;
  const { lines, eols } = splitLines(text);
  // One or two lines count only as a whole file read from its start (a minified JSON or JS file is one line).
  if (lines.length < 3 && !lines.every((line, i) => line.startsWith(`${i + 1}\t`))) return undefined;
  const prefixes: string[] = [];
  const bodies: string[] = [];
  const numbers: number[] = [];
  let previous = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const length = prefixLength(line);
    if (length === 0) {
      // A trailing empty line or note after the numbered content is not enough to reject the shape.
      if (i >= lines.length - 2 && i > 2) {
        prefixes.push('');
        bodies.push(line);
        numbers.push(previous + 1);
        continue;
      }
      return undefined;
    }
    // The number: the prefix without its separator (`Number` skips the leading spaces).
    const n = Number(line.slice(0, length - 1));
    if (previous !== -1 && n !== previous + 1) return undefined;
    previous = n;
    prefixes.push(line.slice(0, length));
    bodies.push(line.slice(length));
    numbers.push(n);
  }
  return {
    wrapper: 'line-numbered',
    head: '',
    tail: '',
    lines: bodies,
    prefixes,
    eols,
    numbers,
    content: bodies.join('\n'),
    exactLines: true,
  };
}
