/**
 * HTML under an agent's wrapper, where lines must not be rewritten: the page's text by source line, each
 * run of text exactly as the file holds it (entities and spacing untouched), markup left out, each kept
 * line named by its number. Only the lines the question points at, and the headings (just their text on a
 * line kept for them), are kept.
 */
import type { Query, RewriteResult } from '../../types.js';
import { focusMask, lineScore, matchLines, termScore, termsIn, transformLabel } from '../line-tools.js';

/** Elements whose content is not text. */
const RAW = /^(?:script|style|svg|noscript|template)$/i;
const HEADING = /^(?:title|h[1-6]|dt|th|caption|legend|label)$/i;
const TAG_NAME = /^<\/?([a-zA-Z][\w:-]*)/;
const MAX_TERM_SHARE = 0.1;
/** Text runs kept on each side of a run that names a question word, on a long line. */
const RUN_CONTEXT = 2;
/** A line with more text than this keeps only the runs around the question's words. */
const LONG_LINE = 400;
const SEPARATOR = ' · ';
const GAP = '…';

interface LineText {
  /** Verbatim runs of text on the line, trimmed. */
  readonly runs: string[];
  /** Per run, true when it is a heading-like element's text. */
  readonly headings: boolean[];
  /** True when a heading-like element's text is on the line. */
  heading: boolean;
}

/** Splits a page into its text runs per line, carrying tags, comments and raw elements across lines. */
function textByLine(html: string): LineText[] {
  const out: LineText[] = [{ runs: [], headings: [], heading: false }];
  let line = 0;
  let i = 0;
  let raw = '';
  let openHeadings = 0;
  const addText = (start: number, end: number): void => {
    let from = start;
    for (let nl = html.indexOf('\n', from); nl !== -1 && nl < end; nl = html.indexOf('\n', from)) {
      push(from, nl);
      line += 1;
      out.push({ runs: [], headings: [], heading: false });
      from = nl + 1;
    }
    push(from, end);
  };
  const push = (start: number, end: number): void => {
    const run = html.slice(start, end).trim();
    if (run === '') return;
    out[line]!.runs.push(run);
    out[line]!.headings.push(openHeadings > 0);
    if (openHeadings > 0) out[line]!.heading = true;
  };
  const skipTo = (end: number): void => {
    for (let nl = html.indexOf('\n', i); nl !== -1 && nl < end; nl = html.indexOf('\n', nl + 1)) {
      line += 1;
      out.push({ runs: [], headings: [], heading: false });
    }
    i = end;
  };
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const textEnd = lt === -1 ? html.length : lt;
    if (textEnd > i) {
      if (raw === '') addText(i, textEnd);
      else skipTo(textEnd);
    }
    if (lt === -1) break;
    i = lt;
    if (html.startsWith('<!--', i)) {
      const close = html.indexOf('-->', i + 4);
      skipTo(close === -1 ? html.length : close + 3);
      continue;
    }
    const end = tagEnd(html, i);
    const name = TAG_NAME.exec(html.slice(i, Math.min(end, i + 64)))?.[1] ?? '';
    const closing = html[i + 1] === '/';
    if (raw !== '' && !(closing && name.toLowerCase() === raw)) {
      skipTo(i + 1);
      continue;
    }
    if (RAW.test(name) && !html.slice(i, end).endsWith('/>')) raw = closing ? '' : name.toLowerCase();
    if (HEADING.test(name)) openHeadings = Math.max(0, openHeadings + (closing ? -1 : 1));
    skipTo(end);
  }
  return out;
}

/** The end of a tag that opens at `at`, past quoted attribute values. */
function tagEnd(html: string, at: number): number {
  let quote = '';
  for (let i = at + 1; i < html.length; i++) {
    const c = html[i]!;
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return html.length;
}

/** The runs of `hit` and `context` runs on each side of each; the others become `…`. */
function focusRuns(runs: readonly string[], hit: readonly boolean[], context: number): string {
  const keep = hit.map((_, i) => hit.slice(Math.max(0, i - context), i + context + 1).some(Boolean));
  const parts: string[] = [];
  runs.forEach((run, i) => {
    if (keep[i]) parts.push(run);
    else if (parts.at(-1) !== '…') parts.push('…');
  });
  return parts.join(SEPARATOR);
}

/**
 * The verbatim text form of a page: kept lines as `<number>: <runs>`, each run of dropped lines as one `…`.
 * Undefined when the question points at nothing on the page, or the form would not be much smaller.
 */
export function htmlExcerpt(html: string, query: Query): RewriteResult | undefined {
  const lines = textByLine(html);
  const texts = lines.map((l) => l.runs.join(SEPARATOR));
  const matches = matchLines(texts, query);
  const focused = focusMask(matches, MAX_TERM_SHARE);
  const terms = termsIn(matches, focused);
  const keep = lines.map((l, i) => texts[i] !== '' && (l.heading || lineScore(matches, i, focused) > 0));
  // The question must name some text beyond a heading, or the page would be cut to its outline.
  const namesText = (i: number) =>
    lineScore(matches, i, focused) > 0 && lines[i]!.headings.some((heading) => !heading);
  if (!lines.some((_, i) => namesText(i))) return undefined;
  const out: string[] = [];
  let kept = 0;
  let i = 0;
  while (i < lines.length) {
    if (keep[i]) {
      const { runs, headings } = lines[i]!;
      const named = lineScore(matches, i, focused) > 0;
      // A long line keeps the runs around the question's words; a line kept for its headings, just them.
      let shown = texts[i]!;
      if (!named) shown = focusRuns(runs, headings, 0);
      else if (shown.length > LONG_LINE)
        shown = focusRuns(
          runs,
          runs.map((run) => termScore(run, terms) > 0),
          RUN_CONTEXT,
        );
      out.push(`${i + 1}: ${shown}`);
      kept += 1;
      i += 1;
      continue;
    }
    // The numbers on each side place the lines left out; a note per gap would cost more than many lines.
    while (i < lines.length && !keep[i]) i += 1;
    out.push(GAP);
  }
  const text = out.join('\n');
  if (text.length > html.length * 0.5) return undefined;
  return {
    text: `[page text by line: markup, scripts and styles left out; every run of text as the file has it; ${GAP} stands for the lines between the numbers around it]\n${text}`,
    transform: transformLabel('html', 'text lines', lines.length, kept),
    lossy: true,
    verbatim: true,
  };
}
