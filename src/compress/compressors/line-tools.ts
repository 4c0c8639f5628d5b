import { formatCount, termMatcher } from '../signals.js';
import type { Query } from '../types.js';

/** Long lines are grouped by their start; templating a minified blob in full buys nothing. */
const TEMPLATE_SPAN = 200;

const TOKEN = 1;
const DIGIT = 2;
const SLASH = 4;
const HEX = 8;

/** Character classes of ASCII: token characters (words, numbers, ids, paths), digits, slashes, hex digits. */
const CHAR_CLASS = (() => {
  const table = new Uint8Array(128);
  const set = (from: string, to: string, bits: number) => {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) table[c]! |= bits;
  };
  set('a', 'z', TOKEN);
  set('A', 'Z', TOKEN);
  set('0', '9', TOKEN | DIGIT | HEX);
  set('a', 'f', HEX);
  set('A', 'F', HEX);
  for (const c of '_.-@~+') set(c, c, TOKEN);
  for (const c of '/\\') set(c, c, TOKEN | SLASH);
  // Uuids have dashes, `0x1f` an x; both are hex ids to the template.
  set('-', '-', HEX);
  set('x', 'x', HEX);
  return table;
})();

function classOf(c: number): number {
  return c < 128 ? CHAR_CLASS[c]! : 0;
}

function mixA(a: number, c: number): number {
  return Math.imul(a ^ c, 0x01000193);
}

function mixB(b: number, c: number): number {
  return (Math.imul(b, 31) + c) | 0;
}

/**
 * Two 32-bit hashes side by side make a 64-bit key, so 50,000 distinct lines almost surely get distinct
 * keys. The last key is left here rather than returned, so hashing a line allocates nothing.
 */
const lastKey = new Int32Array(2);

/**
 * Hashes the shape of a line for grouping: uuids, hex ids, paths and numbers count as one placeholder
 * each, so `GET /api/users/17 200 (3ms)` and `GET /api/users/912 200 (11ms)` share a key. Leading
 * blanks and everything past the first 200 characters are ignored.
 */
function hashTemplate(line: string): void {
  const end = Math.min(line.length, TEMPLATE_SPAN);
  let a = 0x811c9dc5;
  let b = 7;
  let i = 0;
  while (i < end && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i += 1;
  while (i < end) {
    const c = line.charCodeAt(i);
    if (!(classOf(c) & TOKEN)) {
      a = mixA(a, c);
      b = mixB(b, c);
      i += 1;
      continue;
    }
    // Hash the token as written (numbers collapsed) while learning whether it is an id or path after all.
    let ta = a;
    let tb = b;
    let all = TOKEN | HEX;
    let any = 0;
    let inNumber = false;
    let j = i;
    for (; j < end; j++) {
      const d = line.charCodeAt(j);
      const k = classOf(d);
      if (!(k & TOKEN)) break;
      all &= k;
      any |= k;
      const isDigit = (k & DIGIT) !== 0;
      if (!isDigit || !inNumber) {
        const v = isDigit ? 35 : d;
        ta = mixA(ta, v);
        tb = mixB(tb, v);
      }
      inNumber = isDigit;
    }
    if (any & SLASH || (any & DIGIT && all & HEX && j - i >= 7)) {
      a = mixA(a, 35);
      b = mixB(b, 35);
    } else {
      a = ta;
      b = tb;
    }
    i = j;
  }
  lastKey[0] = a;
  lastKey[1] = b;
}

/**
 * Set by `hashShape`: the line's template key (`hashTemplate`) is its shape key. That holds for a line of
 * at most 200 characters with no leading blank, no path, no long hex id and no bare `0`, where both
 * hashes mix the same characters with each number as one placeholder. Most lines are such, so most
 * templates cost no second pass over the line.
 */
let lastSimple = false;

/**
 * Hashes everything in a line but its numbers: a run of digits counts as one placeholder, `0` for a bare
 * zero (so `0 errors` and `3 errors` differ), `#` otherwise. Lines with equal keys read the same to every
 * line classifier.
 */
function hashShape(line: string): void {
  let a = 0x811c9dc5;
  let b = 7;
  const n = line.length;
  const c0 = n > 0 ? line.charCodeAt(0) : 0;
  let simple = n <= TEMPLATE_SPAN && c0 !== 32 && c0 !== 9;
  // Where the current run of digits and the current token started (-1 outside one), and the character
  // classes all and any of the token's characters have: what `hashTemplate` reads a token by.
  let run = -1;
  let token = -1;
  let all = 0;
  let any = 0;
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    const k = c < 128 ? CHAR_CLASS[c]! : 0;
    if (k & DIGIT) {
      if (run < 0) run = i;
    } else {
      if (run >= 0) {
        const bare = i - run === 1 && line.charCodeAt(run) === 48;
        a = mixA(a, bare ? 48 : 35);
        b = mixB(b, bare ? 48 : 35);
        if (bare) simple = false;
        run = -1;
      }
      a = mixA(a, c);
      b = mixB(b, c);
    }
    if (!simple) continue;
    if (k & TOKEN) {
      if (token < 0) {
        token = i;
        all = k;
        any = k;
      } else {
        all &= k;
        any |= k;
      }
    } else if (token >= 0) {
      if (any & SLASH || (any & DIGIT && all & HEX && i - token >= 7)) simple = false;
      token = -1;
    }
  }
  if (run >= 0) {
    const bare = n - run === 1 && line.charCodeAt(run) === 48;
    a = mixA(a, bare ? 48 : 35);
    b = mixB(b, bare ? 48 : 35);
    if (bare) simple = false;
  }
  if (simple && token >= 0 && (any & SLASH || (any & DIGIT && all & HEX && n - token >= 7))) simple = false;
  lastKey[0] = a;
  lastKey[1] = b;
  lastSimple = simple;
}

/** Gives each distinct 64-bit key a small id, in first-seen order (open addressing over typed arrays). */
class Interner {
  private readonly keysA: Int32Array;
  private readonly keysB: Int32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  size = 0;

  /** Room for `most` distinct keys; never asked for more (one key per line at most). */
  constructor(most: number) {
    let capacity = 16;
    while (capacity < most * 2) capacity *= 2;
    this.keysA = new Int32Array(capacity);
    this.keysB = new Int32Array(capacity);
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  idOfLastKey(): number {
    const a = lastKey[0]!;
    const b = lastKey[1]!;
    let s = (a ^ (b >>> 7)) & this.mask;
    for (;;) {
      const id = this.slots[s]!;
      if (id === -1) {
        this.slots[s] = this.size;
        this.keysA[s] = a;
        this.keysB[s] = b;
        this.size += 1;
        return this.size - 1;
      }
      if (this.keysA[s] === a && this.keysB[s] === b) return id;
      s = (s + 1) & this.mask;
    }
  }
}

/** Lines grouped by shape: `ids[i]` is line i's shape, `first[id]` the first line of that shape. */
export interface LineShapes {
  readonly ids: Int32Array;
  readonly first: readonly number[];
  /** Per shape: its key, and whether that key is also its template's (see `lastSimple`). */
  readonly keyA: Int32Array;
  readonly keyB: Int32Array;
  readonly simple: Uint8Array;
}

/** Groups lines that differ only in the values of their numbers (timestamps, durations, counts). */
export function shapesOf(lines: readonly string[]): LineShapes {
  const n = lines.length;
  const interner = new Interner(n);
  const ids = new Int32Array(n);
  const first: number[] = [];
  const keyA = new Int32Array(n);
  const keyB = new Int32Array(n);
  const simple = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    hashShape(lines[i]!);
    const id = interner.idOfLastKey();
    if (id === first.length) {
      first.push(i);
      keyA[id] = lastKey[0]!;
      keyB[id] = lastKey[1]!;
      simple[id] = lastSimple ? 1 : 0;
    }
    ids[i] = id;
  }
  return { ids, first, keyA, keyB, simple };
}

/**
 * Template ids per line: equal for lines that differ only in ids, paths and numbers. Each shape is
 * templated once, most of them for free (see `lastSimple`).
 */
export function templatesOf(lines: readonly string[], shapes: LineShapes = shapesOf(lines)): Int32Array {
  const interner = new Interner(shapes.first.length);
  const ofShape = new Int32Array(shapes.first.length);
  for (let s = 0; s < ofShape.length; s++) {
    if (shapes.simple[s]) {
      lastKey[0] = shapes.keyA[s]!;
      lastKey[1] = shapes.keyB[s]!;
    } else hashTemplate(lines[shapes.first[s]!]!);
    ofShape[s] = interner.idOfLastKey();
  }
  return shapes.ids.map((id) => ofShape[id]!);
}

const NON_BLANK = /\S/;

const LEADING_STAMP =
  /^\s*\[?(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2})\]?\s*/;

/** A short, readable example of a line for a note: leading timestamp dropped, cut to `max` characters. */
export function sampleOf(line: string, max = 60): string {
  const text = line.replace(LEADING_STAMP, '').trim();
  return clip(text, max);
}

/** `3 lines`, `1 line`, `2 matches`: counted nouns the way every note writes them. */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * Describes omitted runs by what their lines are: named categories (`118 passing tests`) and repeated
 * templates (`412 lines like "GET /api/health 200 (3ms)"`). `templates` holds each line's template id
 * (small integers, as `templatesOf` gives); `categoryOf` names a line's category as a singular noun
 * (`passing test`), or returns undefined to group it by template. A run gets no words when no group says
 * anything useful.
 */
export function runDescriber(
  lines: readonly string[],
  templates: Int32Array,
  categoryOf?: (index: number) => string | undefined,
): (start: number, end: number) => string | undefined {
  let most = 0;
  for (const t of templates) if (t >= most) most = t + 1;
  // Counts per template id, reset after each run through the ids it touched: linear over all runs.
  const counts = new Int32Array(most);
  const firstAt = new Int32Array(most);
  return function describeRun(start: number, end: number): string | undefined {
    const total = end - start;
    const categories = new Map<string, number>();
    const touched: number[] = [];
    let nonBlank = 0;
    for (let i = start; i < end; i++) {
      if (!NON_BLANK.test(lines[i]!)) continue;
      nonBlank += 1;
      const category = categoryOf?.(i);
      if (category !== undefined) {
        categories.set(category, (categories.get(category) ?? 0) + 1);
        continue;
      }
      const t = templates[i]!;
      if (counts[t] === 0) {
        touched.push(t);
        firstAt[t] = i;
      }
      counts[t]! += 1;
    }
    const parts: { count: number; text: string; template: boolean }[] = [];
    for (const [noun, count] of categories)
      parts.push({ count, text: countOf(count, noun), template: false });
    for (const t of touched) {
      const count = counts[t]!;
      counts[t] = 0;
      if (count >= 2) parts.push({ count, text: `like "${sampleOf(lines[firstAt[t]!]!)}"`, template: true });
    }
    if (nonBlank === 0) return countOf(total, 'blank line');
    // Largest groups first; ties keep first-seen order, so the note is deterministic.
    parts.sort((a, b) => b.count - a.count);
    const top = parts[0];
    if (!top) return undefined;
    if (top.count === nonBlank) return top.template ? `${countOf(total, 'line')} ${top.text}` : top.text;
    if (top.count * 4 < nonBlank) return undefined;
    const shown = parts.slice(0, 2).map((p) => (p.template ? `${formatCount(p.count)} ${p.text}` : p.text));
    return `${countOf(total, 'line')}: ${shown.join(', ')}`;
  };
}

/**
 * Indexes of the texts the user's question singles out. Each query term is judged by how many texts
 * hold it: a term in more than `maxPerTerm` texts (the grep pattern itself, `src`) cannot say which
 * lines the user meant, so it protects none. Of the rest, the rarest term always protects its texts
 * and each next-rarest one only while all protected texts stay within `maxTotal`: in "where are the
 * cors and jwt middleware handlers", `cors` picks out lines and `middleware` (on 300 of them) does not.
 * Terms that protect nothing still count in `queryScore` for ranking.
 */
export function queryHits(
  texts: readonly string[],
  query: Query,
  maxPerTerm: number,
  maxTotal = Number.POSITIVE_INFINITY,
): number[] {
  const matcher = termMatcher(query);
  if (!matcher.any) return [];
  const hits: (number[] | undefined)[] = query.terms.map(() => []);
  // Once every term is past its limit, no later line can add a hit.
  let alive = hits.length;
  for (let i = 0; i < texts.length && alive > 0; i++) {
    const text = texts[i]!;
    if (!matcher.maybe(text)) continue;
    const lower = text.toLowerCase();
    for (let t = 0; t < hits.length; t++) {
      const list = hits[t];
      if (list === undefined || !matcher.mentions(lower, t)) continue;
      // Past the limit the term is not selective; forget its hits rather than keep collecting them.
      if (list.length >= maxPerTerm) {
        hits[t] = undefined;
        alive -= 1;
      } else list.push(i);
    }
  }
  const selective = hits
    .filter((list): list is number[] => list !== undefined && list.length > 0)
    .sort((a, b) => a.length - b.length);
  const all = new Set<number>();
  for (const list of selective) {
    if (all.size > 0 && all.size + list.length > maxTotal) break;
    for (const i of list) all.add(i);
  }
  return [...all].sort((a, b) => a - b);
}

export function countKept(keep: readonly boolean[]): number {
  let kept = 0;
  for (const k of keep) if (k) kept += 1;
  return kept;
}

/** Smallest number of omitted lines that makes a plan worth its notes and marker. */
export const MIN_OMITTED = 3;

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
export function keepShortRuns(keep: boolean[], minRun = 2): void {
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
