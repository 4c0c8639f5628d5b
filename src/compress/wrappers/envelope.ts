/**
 * What an agent wrapped around a tool's output, separated from the output itself so the router can
 * detect and compress the content while keeping the wrapper's bytes.
 */
export interface Envelope {
  /** Which wrapper was recognised. */
  readonly wrapper:
    | 'plain'
    | 'line-numbered'
    | 'codex-exec'
    | 'gemini-shell'
    | 'qwen-shell'
    | 'qwen-cut'
    | 'opencode-cut';
  /** Bytes before the content, kept verbatim (Codex's header through `Output:`, an agent's cut note). */
  readonly head: string;
  /** Bytes after the content, kept verbatim (Gemini CLI's exit code and PGID lines); '' for most. */
  readonly tail: string;
  /** The content's lines, without their line-number prefixes and without line terminators. */
  readonly lines: readonly string[];
  /** Per-line prefixes (`  12\t`) for line-numbered output; empty strings elsewhere. */
  readonly prefixes: readonly string[];
  /** Line terminators per line (`\n`, `\r\n`, or `` for a last line without one). */
  readonly eols: readonly string[];
  /** Original line numbers (1-based) per line: from the prefixes, else positions. */
  readonly numbers: readonly number[];
  /** The content alone, for detection and for content-level rewrites. */
  readonly content: string;
  /** True when kept lines must stay byte-identical (no re-encoding of the content). */
  readonly exactLines: boolean;
}

/** Splits text into lines and their terminators, so joining them gives the text back byte for byte. */
export function splitLines(text: string): { lines: string[]; eols: string[] } {
  const lines: string[] = [];
  const eols: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      lines.push(text.slice(start));
      eols.push('');
      break;
    }
    const cr = nl > start && text.charCodeAt(nl - 1) === 13;
    lines.push(text.slice(start, cr ? nl - 1 : nl));
    eols.push(cr ? '\r\n' : '\n');
    start = nl + 1;
  }
  return { lines, eols };
}

/** Line numbers 1…count, for content whose lines carry none of their own. */
function positions(count: number): number[] {
  const numbers = new Array<number>(count);
  for (let i = 0; i < count; i++) numbers[i] = i + 1;
  return numbers;
}

/** The line fields of content whose lines carry no prefixes of their own. */
export function unprefixed(
  content: string,
): Pick<Envelope, 'lines' | 'prefixes' | 'eols' | 'numbers' | 'content'> {
  const { lines, eols } = splitLines(content);
  return {
    lines,
    prefixes: new Array<string>(lines.length).fill(''),
    eols,
    numbers: positions(lines.length),
    content,
  };
}
