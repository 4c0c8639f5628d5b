import { formatCount } from '../signals.js';
import type { Query } from '../types.js';

/** Below this many lines a block is short enough to read whole; compressing it saves too little. */
export const MIN_LINES = 40;

/** `2.3.1`, `v2`, `404`, `2024-05-01`: terms that must match as whole numbers, not inside longer ones. */
const NUMERIC_TERM = /^v?\d+(?:[.\-_]\d+)*$/;

/** Query terms ready for matching: lower-cased words, and for numbers the digits to look for. */
export interface Terms {
  readonly words: readonly string[];
  /** For a numeric term, the number without a leading `v`; undefined for words. */
  readonly numbers: readonly (string | undefined)[];
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** True when `lower` mentions the number `bare` on number boundaries (`2.3.1` is not in `12.3.1` or `2.3.10`). */
function mentionsNumber(lower: string, bare: string): boolean {
  let from = 0;
  for (;;) {
    const at = lower.indexOf(bare, from);
    if (at === -1) return false;
    const end = at + bare.length;
    const before = at > 0 ? lower.charCodeAt(at - 1) : 32;
    const after = end < lower.length ? lower.charCodeAt(end) : 32;
    const cleanBefore = !isDigit(before) && !(before === 46 && at > 1 && isDigit(lower.charCodeAt(at - 2)));
    const cleanAfter =
      !isDigit(after) && !(after === 46 && end + 1 < lower.length && isDigit(lower.charCodeAt(end + 1)));
    if (cleanBefore && cleanAfter) return true;
    from = at + 1;
  }
}

function mentionsTerm(lower: string, terms: Terms, t: number): boolean {
  const bare = terms.numbers[t];
  return bare === undefined ? lower.includes(terms.words[t]!) : mentionsNumber(lower, bare);
}

function toTerms(words: readonly string[]): Terms {
  return {
    words,
    numbers: words.map((w) => (NUMERIC_TERM.test(w) ? (w.startsWith('v') ? w.slice(1) : w) : undefined)),
  };
}

/**
 * How many of the terms a text mentions: `queryScore`, except that numbers and versions match only on
 * number boundaries, so a question about `2.3.1` does not protect `12.3.1`.
 */
export function termScore(text: string, terms: Terms): number {
  if (terms.words.length === 0) return 0;
  const lower = text.toLowerCase();
  let score = 0;
  for (let t = 0; t < terms.words.length; t++) if (mentionsTerm(lower, terms, t)) score += 1;
  return score;
}

/** Terms beyond this many are ignored for line matching; a question never has that many useful ones. */
const MAX_TERMS = 32;

/** Which query terms each line mentions (a bit per term), and how many lines mention each term. */
export interface LineMatches {
  readonly terms: Terms;
  readonly counts: readonly number[];
  readonly masks: Uint32Array;
}

/** Matches every line against the question once (words in `ignore`, such as language keywords, left out). */
export function matchLines(
  lines: readonly string[],
  query: Query,
  ignore?: ReadonlySet<string>,
): LineMatches {
  const words = (ignore ? query.terms.filter((t) => !ignore.has(t)) : query.terms).slice(0, MAX_TERMS);
  const terms = toTerms(words);
  const counts = new Array<number>(words.length).fill(0);
  const masks = new Uint32Array(lines.length);
  if (words.length > 0) {
    for (let i = 0; i < lines.length; i++) {
      const lower = lines[i]!.toLowerCase();
      let mask = 0;
      for (let t = 0; t < words.length; t++) {
        if (!mentionsTerm(lower, terms, t)) continue;
        mask |= 1 << t;
        counts[t]! += 1;
      }
      masks[i] = mask;
    }
  }
  return { terms, counts, masks };
}

/** A term found in this few lines always singles them out, however short the text. */
const FEW_LINES = 3;

/**
 * The terms (as a bit mask) that single out lines: a term found in more than `maxShare` of them (`src` in
 * a listing of `src/`) cannot say which ones the user meant.
 */
export function focusMask(matches: LineMatches, maxShare: number): number {
  const limit = Math.max(FEW_LINES, matches.masks.length * maxShare);
  let mask = 0;
  matches.counts.forEach((c, t) => {
    if (c <= limit) mask |= 1 << t;
  });
  return mask;
}

/** How many of the terms in `mask` line `i` mentions. */
export function lineScore(matches: LineMatches, i: number, mask: number): number {
  let bits = (matches.masks[i]! & mask) >>> 0;
  let n = 0;
  while (bits !== 0) {
    bits &= bits - 1;
    n += 1;
  }
  return n;
}

/** The terms in `mask`, for matching texts other than the lines they were counted on. */
export function termsIn(matches: LineMatches, mask: number): Terms {
  const keep = (_: unknown, t: number) => (mask & (1 << t)) !== 0;
  return { words: matches.terms.words.filter(keep), numbers: matches.terms.numbers.filter(keep) };
}

export function countKept(keep: readonly boolean[]): number {
  let kept = 0;
  for (const k of keep) if (k) kept += 1;
  return kept;
}

/** How many of the non-blank lines match `pattern`, and how many are non-blank: what a detector weighs. */
export function shareMatching(
  lines: readonly string[],
  pattern: RegExp,
): { matched: number; nonBlank: number } {
  let matched = 0;
  let nonBlank = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    nonBlank += 1;
    if (pattern.test(line)) matched += 1;
  }
  return { matched, nonBlank };
}

/** A plan is worth its notes and marker only when it omits a real share of the lines. */
export function omitsEnough(keep: readonly boolean[]): boolean {
  const omitted = keep.length - countKept(keep);
  return omitted >= Math.max(4, keep.length * 0.1);
}

/**
 * Keeps omitted runs shorter than `minRun` lines: a note costs about as much as a line, and a text cut
 * into crumbs reads worse than the lines themselves.
 */
export function keepShortRuns(keep: boolean[], minRun: number): void {
  let i = 0;
  while (i < keep.length) {
    if (keep[i]) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < keep.length && !keep[j]) j += 1;
    if (j - i < minRun) for (let k = i; k < j; k++) keep[k] = true;
    i = j;
  }
}

/** The `transformsApplied` entry: `csv:rows 10000→40`. */
export function transformLabel(
  kind: string,
  unit: string,
  before: number,
  after: number,
  suffix = '',
): string {
  return `${kind}:${unit} ${before}→${after}${suffix}`;
}

/** `1 line`, `3 lines`, `2 entries`. */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
  return `${formatCount(n)} ${n === 1 ? noun : plural}`;
}

/** `.tsx` for `src/App.tsx`; empty for names without one (`Makefile`, `.env`). */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot).toLowerCase() : '';
  // `.txt` says nothing about what a text is: agents save any tool output so (Claude Code's
  // tool-results/<id>.txt), so such a file is judged by its content, as the same output bare would be.
  return ext === '.txt' ? '' : ext;
}

/** Adds one to a value's count. */
export function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** The most common keys, largest first (ties in first-seen order): `.tsx 180, .css 32`. */
export function topCounts(counts: ReadonlyMap<string, number>, limit: number, joiner = ' '): string {
  const entries = [...counts.entries()];
  entries.sort((a, b) => b[1] - a[1]);
  const shown = entries.slice(0, limit).map(([key, n]) => `${key}${joiner}${formatCount(n)}`);
  if (entries.length > limit) shown.push('…');
  return shown.join(', ');
}

/** Cuts a value for a note: notes quote examples, they do not reproduce them. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never end on the first half of a surrogate pair: half an emoji is invalid text a provider may refuse.
  const high = text.charCodeAt(max - 2);
  return `${text.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 2 : max - 1)}…`;
}
