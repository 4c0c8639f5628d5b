import { type Envelope, splitLines } from './envelope.js';

/**
 * `cat -n` and Claude Code's `Read` prefix every line with its number and a tab (older Claude Code used
 * `→`). The content after the first separator is the line itself, tabs inside it included.
 */
const PREFIX = /^( *\d+)(\t|→)/;

/** Recognises line-numbered output: nearly every line carries a prefix and the numbers ascend by one. */
export function parseLineNumbered(text: string): Envelope | undefined {
  // The first line must carry a prefix (which never spans a line), so most text is ruled out unsplit.
  if (text.length > 0 && !PREFIX.test(text)) return undefined;
  const { lines, eols } = splitLines(text);
  // One or two lines count only as a whole file read from its start (a minified JSON or JS file is one line).
  if (lines.length < 3 && !lines.every((line, i) => line.startsWith(`${i + 1}\t`))) return undefined;
  const prefixes: string[] = [];
  const bodies: string[] = [];
  const numbers: number[] = [];
  let previous = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = PREFIX.exec(line);
    if (!m) {
      // A trailing empty line or note after the numbered content is not enough to reject the shape.
      if (i >= lines.length - 2 && i > 2) {
        prefixes.push('');
        bodies.push(line);
        numbers.push(previous + 1);
        continue;
      }
      return undefined;
    }
    const n = Number(m[1]);
    if (previous !== -1 && n !== previous + 1) return undefined;
    previous = n;
    const prefix = m[0];
    prefixes.push(prefix);
    bodies.push(line.slice(prefix.length));
    numbers.push(n);
  }
  return {
    wrapper: 'line-numbered',
    head: '',
    lines: bodies,
    prefixes,
    eols,
    numbers,
    content: bodies.join('\n'),
    exactLines: true,
  };
}
