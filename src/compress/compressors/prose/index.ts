import type { BlockHint, Compressor, CompressorContext, LinePlan } from '../../types.js';
import {
  bump,
  clip,
  countKept,
  countOf,
  extensionOf,
  focusMask,
  type LineMatches,
  lineScore,
  MIN_LINES,
  matchLines,
  omitsEnough,
  transformLabel,
} from '../line-tools.js';
import { headingText, type Outline, outlineOf } from './outline.js';

/**
 * A term found in more of the lines than this (`change` in a changelog) protects none of them; lines with
 * it still rank higher among the optional ones. Headings match on every term.
 */
const MAX_TERM_SHARE = 0.05;
/** A section whose heading the question names is kept whole up to this many lines (or this share). */
const WHOLE_SECTION_LINES = 60;
const WHOLE_SECTION_SHARE = 0.05;
const MAX_SCORE = 6;

const PROSE_EXTENSIONS = /^\.(?:md|markdown|mdx|rst|adoc|asciidoc|org|textile)$/;
const WORDY = /^\s*(?:[-*+>]\s+|\d+[.)]\s+|#{1,6}\s+)?[\p{L}"'“(`*[]\S*(?:\s+\S+){3,}/u;
const CODE_SIGNS =
  /[;{}]\s*$|^\s*(?:import|export|const|let|var|function|def|class|return|if\s*\(|for\s*\()\b|=>|\(\)\s*\{/;
const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+/;
/** A line's first word after any list or heading marker. */
const LEAD_WORD = /^\s*(?:[-*+>]\s+|\d+[.)]\s+|#{1,6}\s+)?([^\s:(]+)/;
const HAS_WORDS = /\p{L}{2,}.*\s.*\p{L}{2,}/u;

function detectProse(text: string, hint: BlockHint): boolean {
  if (hint.filePath) {
    const ext = extensionOf(hint.filePath);
    if (ext !== '') return PROSE_EXTENSIONS.test(ext);
  }
  const sample = text.slice(0, 30_000).split('\n', 300);
  let nonBlank = 0;
  let wordy = 0;
  let code = 0;
  const leads = new Map<string, number>();
  for (const line of sample) {
    if (line.trim().length === 0) continue;
    nonBlank += 1;
    if (CODE_SIGNS.test(line)) code += 1;
    else if (WORDY.test(line)) wordy += 1;
    const lead = LEAD_WORD.exec(line)?.[1];
    if (lead) bump(leads, lead);
  }
  // Lines that mostly open with the same word (`npm info`, a path) are a tool's log, not writing.
  const sameLead = Math.max(0, ...leads.values());
  return nonBlank >= 5 && wordy >= nonBlank * 0.4 && code < nonBlank * 0.15 && sameLead < nonBlank * 0.4;
}

/** The two outermost heading levels present (`#` and `##` in most documents): always kept. */
function outerLevels(outline: Outline): ReadonlySet<number> {
  const levels = new Set<number>();
  for (const level of outline.level) if (level > 0) levels.add(level);
  return new Set([...levels].sort((a, b) => a - b).slice(0, 2));
}

/** The line range [heading, end) of each section the question names in its heading, subsections included. */
function namedSections(lines: readonly string[], outline: Outline, matches: LineMatches): [number, number][] {
  const ranges: [number, number][] = [];
  const limit = Math.max(WHOLE_SECTION_LINES, lines.length * WHOLE_SECTION_SHARE);
  for (let i = 0; i < lines.length; i++) {
    const level = outline.level[i]!;
    if (level <= 0 || matches.masks[i] === 0) continue;
    let end = i + 1;
    while (
      end < lines.length &&
      end - i <= limit &&
      !(outline.level[end]! > 0 && outline.level[end]! <= level)
    ) {
      end += 1;
    }
    if (end - i <= limit) ranges.push([i, end]);
  }
  return ranges;
}

/** Optional lines compete on this: paragraph openings and first list items first, early in a section first. */
function scoreLine(lines: readonly string[], outline: Outline, i: number, positionInSection: number): number {
  const line = lines[i]!;
  if (outline.code[i]) return 0;
  const previous = i > 0 ? lines[i - 1]! : '';
  const opensParagraph = i === 0 || previous.trim() === '' || outline.level[i - 1] !== 0;
  let score = 1;
  if (opensParagraph) score += 2;
  if (LIST_ITEM.test(line)) score += LIST_ITEM.test(previous) ? 0 : 1;
  if (positionInSection < 8) score += 1;
  if (/\d/.test(line)) score += 1;
  return Math.min(MAX_SCORE, score);
}

function describer(
  lines: readonly string[],
  outline: Outline,
): (start: number, end: number) => string | undefined {
  return function describeOmitted(start: number, end: number): string | undefined {
    const heading = outline.section[start]!;
    if (heading < 0 || outline.section[end - 1] !== heading) return undefined;
    const title = clip(headingText(lines[heading]!), 60);
    return `${countOf(end - start, 'line')} of section "${title}"`;
  };
}

/**
 * Keeps a document's outline and an extract of about `targetRatio` of its lines (at most `maxProseLines`):
 * the two outer heading levels, the lines the question names with their neighbours, whole sections whose
 * heading the question names (a changelog's version), then while the budget lasts deeper headings, each
 * section's first sentence and the best-placed other lines. Every kept line keeps the headings above it.
 */
function planProse(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  const n = lines.length;
  if (n < MIN_LINES) return undefined;
  const outline = outlineOf(lines);
  const matches = matchLines(lines, ctx.query);
  const focused = focusMask(matches, MAX_TERM_SHARE);
  const keep: boolean[] = new Array(n).fill(false);
  const blank = lines.map((l) => l.trim().length === 0);
  let nonBlank = 0;

  const outer = outerLevels(outline);
  // Candidates beyond the must-keep lines, best first: outer headings (when too many to keep them all),
  // deeper headings, each section's first sentence, then the rest by score.
  const outerHeadings: number[] = [];
  const deepHeadings: number[] = [];
  const firstLines: number[] = [];
  const seenSections = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (blank[i]) continue;
    nonBlank += 1;
    const level = outline.level[i]!;
    if (level !== 0) {
      if (outer.has(level)) outerHeadings.push(i);
      else if (level > 0) deepHeadings.push(i);
      continue;
    }
    const section = outline.section[i]!;
    if (!seenSections.has(section) && !outline.code[i] && HAS_WORDS.test(lines[i]!)) {
      seenSections.add(section);
      firstLines.push(i);
    }
    if (lineScore(matches, i, focused) > 0) {
      keep[i] = true;
      // The nearest text on each side, across a blank line, within the same section; a list item is a
      // unit of its own, so the items next to it are not its context (its continuation lines are).
      const item = LIST_ITEM.test(lines[i]!);
      for (const step of [-1, 1]) {
        let j = i + step;
        if (j >= 0 && j < n && blank[j]) j += step;
        if (j < 0 || j >= n || blank[j] || outline.section[j] !== outline.section[i]) continue;
        if (!(item && LIST_ITEM.test(lines[j]!))) keep[j] = true;
      }
    }
  }
  for (const [from, to] of namedSections(lines, outline, matches)) {
    for (let i = from; i < to; i++) keep[i] = true;
  }

  const target = Math.min(Math.ceil(nonBlank * ctx.budgets.targetRatio), ctx.budgets.maxProseLines);
  // The outline stays whole unless it alone is more than the extract may hold (340 versions of a
  // changelog): then its headings come first while the budget lasts, and above every kept line.
  if (outerHeadings.length <= target) for (const i of outerHeadings) keep[i] = true;
  let kept = 0;
  for (let i = 0; i < n; i++) if (keep[i] && !blank[i]) kept += 1;
  const add = (candidates: readonly number[]) => {
    for (const i of candidates) {
      if (kept >= target) return;
      if (keep[i]) continue;
      keep[i] = true;
      kept += 1;
    }
  };
  add(outerHeadings);
  add(deepHeadings);
  add(firstLines);
  if (kept < target) {
    // Bucket the other lines by score: linear, and ties stay in document order.
    const buckets: number[][] = Array.from({ length: MAX_SCORE + 1 }, () => []);
    let position = 0;
    let section = -2;
    for (let i = 0; i < n; i++) {
      if (outline.section[i] !== section) {
        section = outline.section[i]!;
        position = 0;
      }
      if (blank[i]) continue;
      position += 1;
      if (keep[i]) continue;
      const score = scoreLine(lines, outline, i, position) + (matches.masks[i] !== 0 ? 2 : 0);
      buckets[Math.min(MAX_SCORE, score)]!.push(i);
    }
    for (let s = MAX_SCORE; s > 0 && kept < target; s--) add(buckets[s]!);
  }
  // A kept line brings the headings above it; a setext heading brings its underline.
  for (let i = 0; i < n; i++) {
    if (!keep[i] || blank[i]) continue;
    for (let h = outline.section[i]!; h >= 0; h = outline.parentHeading[h]!) keep[h] = true;
  }
  for (let i = 1; i < n; i++) if (outline.level[i] === -1 && keep[i - 1]) keep[i] = true;
  // A kept line of a code block brings its fences, so the block still reads as code.
  const lastOfBlock = new Map<number, number>();
  for (let i = 0; i < n; i++) if (outline.code[i]) lastOfBlock.set(outline.fence[i]!, i);
  for (let i = 0; i < n; i++) {
    if (!keep[i] || !outline.code[i]) continue;
    const open = outline.fence[i]!;
    keep[open] = true;
    keep[lastOfBlock.get(open)!] = true;
  }
  for (let i = 1; i + 1 < n; i++) if (blank[i] && keep[i - 1] && keep[i + 1]) keep[i] = true;
  if (!omitsEnough(keep)) return undefined;
  return {
    keep,
    describe: describer(lines, outline),
    transform: transformLabel('prose', 'lines', n, countKept(keep)),
  };
}

/** Markdown, docs, changelogs and plain text. */
export const proseCompressor: Compressor = {
  kind: 'prose',
  detect: detectProse,
  lines: planProse,
};
