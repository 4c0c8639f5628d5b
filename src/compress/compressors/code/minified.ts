/**
 * Minified source (a bundle, a `.min.js`): a few lines of tens of thousands of characters, where keeping
 * or dropping whole lines does nothing. Shown as verbatim excerpts around the question's words, each
 * with its line and character range, plus the head of the file (its banner names the library and version).
 */
import { formatCount } from '../../signals.js';
import type { Query, RewriteResult } from '../../types.js';
import { transformLabel } from '../line-tools.js';

/** Mean characters per line above which a text is minified, not written by hand. */
const MINIFIED_MEAN = 1000;
/** Characters shown on each side of a question word. */
const WINDOW = 220;
/** The banner at the start of the file. */
const HEAD = 240;
const MAX_WINDOWS = 16;
/** A word found more often than this (`match`, `error` in a bundle) points at nothing in particular. */
const MAX_HITS_PER_TERM = 24;
const MIN_TERM = 3;

/** True for text whose lines are far longer than anyone writes by hand. */
export function isMinified(text: string): boolean {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines += 1;
  return text.length / lines > MINIFIED_MEAN;
}

interface Window {
  readonly line: number;
  start: number;
  end: number;
  readonly terms: Set<string>;
}

/** A cut that does not split a surrogate pair. */
function safe(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff ? at + 1 : at;
}

function windowsOf(lines: readonly string[], terms: readonly string[]): Window[] {
  const windows: Window[] = [];
  for (const term of terms) {
    const found: Window[] = [];
    lines.forEach((text, line) => {
      const lower = text.toLowerCase();
      for (let at = lower.indexOf(term); at !== -1; at = lower.indexOf(term, at + term.length)) {
        found.push({
          line,
          start: safe(text, Math.max(0, at - WINDOW)),
          end: safe(text, Math.min(text.length, at + term.length + WINDOW)),
          terms: new Set([term]),
        });
        if (found.length > MAX_HITS_PER_TERM) return;
      }
    });
    if (found.length <= MAX_HITS_PER_TERM) windows.push(...found);
  }
  return windows;
}

/** Overlapping windows on one line become one, holding the words of both. */
function merged(windows: Window[]): Window[] {
  windows.sort((a, b) => a.line - b.line || a.start - b.start);
  const out: Window[] = [];
  for (const w of windows) {
    const last = out.at(-1);
    if (last && last.line === w.line && w.start <= last.end) {
      last.end = Math.max(last.end, w.end);
      for (const t of w.terms) last.terms.add(t);
    } else out.push({ ...w, terms: new Set(w.terms) });
  }
  return out;
}

/** Excerpts of minified text around the question's words; undefined when the text is not minified. */
export function minifiedExcerpt(whole: string, query: Query): RewriteResult | undefined {
  if (!isMinified(whole)) return undefined;
  // A final newline ends the last line; it is not a character the excerpts count.
  const text = whole.endsWith('\n') ? whole.slice(0, -1) : whole;
  const lines = text.split('\n');
  const terms = query.terms.filter((t) => t.length >= MIN_TERM && !/\s/.test(t));
  const chosen = merged(windowsOf(lines, terms))
    .sort((a, b) => b.terms.size - a.terms.size || a.line - b.line || a.start - b.start)
    .slice(0, MAX_WINDOWS);
  const head: Window = {
    line: 0,
    start: 0,
    end: safe(lines[0]!, Math.min(lines[0]!.length, HEAD)),
    terms: new Set(),
  };
  const shown = merged([head, ...chosen]);
  const out = ['[minified source: excerpts around the question’s words, each as the file has it]'];
  let kept = 0;
  let cursor = { line: 0, at: 0 };
  for (const w of shown) {
    const skipped =
      w.line === cursor.line
        ? w.start - cursor.at
        : lines.slice(cursor.line, w.line).reduce((n, l) => n + l.length + 1, 0) - cursor.at + w.start;
    if (skipped > 0) out.push(`[… ${formatCount(skipped)} characters omitted …]`);
    out.push(
      `line ${formatCount(w.line + 1)}, characters ${formatCount(w.start + 1)}–${formatCount(w.end)}: ${lines[w.line]!.slice(w.start, w.end)}`,
    );
    kept += w.end - w.start;
    cursor = { line: w.line, at: w.end };
  }
  const rest = text.length - lines.slice(0, cursor.line).reduce((n, l) => n + l.length + 1, 0) - cursor.at;
  if (rest > 0) out.push(`[… ${formatCount(rest)} characters omitted …]`);
  const result = out.join('\n');
  if (result.length > whole.length / 2) return undefined;
  return {
    text: result,
    transform: transformLabel('code', 'excerpts', text.length, kept, ' chars'),
    lossy: true,
    verbatim: true,
  };
}
