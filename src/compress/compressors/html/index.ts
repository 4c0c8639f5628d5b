import type { BlockHint, Compressor, CompressorContext, LinePlan, RewriteResult } from '../../types.js';
import {
  bump,
  countKept,
  countOf,
  extensionOf,
  focusMask,
  keepShortRuns,
  lineScore,
  MIN_LINES,
  matchLines,
  omitsEnough,
  transformLabel,
} from '../line-tools.js';
import { htmlExcerpt } from './excerpt.js';
import { classifyHtmlLines, type HtmlLineKind } from './lines.js';
import { htmlToText } from './text.js';

/** Omitted runs shorter than this stay: dropping a couple of tag lines is not worth a note. */
const MIN_RUN = 3;
const MAX_TERM_SHARE = 0.1;
/** A rewrite that keeps more than this share of the characters is not worth losing the markup for. */
const MAX_REWRITE_SHARE = 0.9;

const KNOWN_TAG =
  /<\/?(?:div|p|span|a|li|ul|ol|table|tr|td|th|h[1-6]|section|article|header|footer|nav|img|br|form|input|button|script|style|meta|link|main|body|head)\b/gi;
const SOURCE_SIGNS =
  /^\s*(?:import|export|const|let|function|class|def|return)\b|\bclassName=|\{\{|<%|\bv-if=/m;

function detectHtml(text: string, hint: BlockHint): boolean {
  if (hint.filePath) {
    const ext = extensionOf(hint.filePath);
    if (ext === '.html' || ext === '.htm' || ext === '.xhtml') return true;
    if (ext !== '') return false;
  }
  const head = text.slice(0, 2000).trimStart();
  if (/^(?:<\?xml[^>]*>\s*)?<!doctype html|^<html[\s>]/i.test(head)) return true;
  const sample = text.slice(0, 20_000);
  const tags = sample.match(KNOWN_TAG)?.length ?? 0;
  return tags >= 20 && !SOURCE_SIGNS.test(sample);
}

function rewriteHtml(text: string, ctx: CompressorContext): RewriteResult | undefined {
  const out = htmlToText(text, ctx.query);
  if (out.trim().length === 0 || out.length > text.length * MAX_REWRITE_SHARE) return undefined;
  return {
    text: out,
    transform: transformLabel('html', 'text', text.length, out.length, ' chars'),
    lossy: true,
  };
}

function labelOf(kind: HtmlLineKind): string | undefined {
  if (kind.startsWith('raw:')) return `<${kind.slice(4)}>`;
  if (kind === 'markup') return 'markup';
  if (kind === 'comment') return 'comments';
  return undefined;
}

function describer(kinds: readonly HtmlLineKind[]): (start: number, end: number) => string | undefined {
  return function describeOmitted(start: number, end: number): string | undefined {
    const counts = new Map<string, number>();
    for (let i = start; i < end; i++) {
      const label = labelOf(kinds[i]!);
      if (label) bump(counts, label);
    }
    const labels = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([label]) => label);
    if (labels.length === 0) return undefined;
    return `${countOf(end - start, 'line')} of ${labels.slice(0, 2).join(' and ')}`;
  };
}

/**
 * For a line-numbered read of an HTML file: keeps lines with visible text, outline tags and anything the
 * question names; drops longer runs of script, style and svg content, comments and text-free markup.
 */
function planHtmlLines(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  if (lines.length < MIN_LINES) return undefined;
  const kinds = classifyHtmlLines(lines);
  const matches = matchLines(lines, ctx.query);
  const focused = focusMask(matches, MAX_TERM_SHARE);
  const keep = kinds.map(
    (kind, i) => kind === 'text' || kind === 'structure' || lineScore(matches, i, focused) > 0,
  );
  keepShortRuns(keep, MIN_RUN);
  if (!omitsEnough(keep)) return undefined;
  return {
    keep,
    describe: describer(kinds),
    transform: transformLabel('html', 'lines', lines.length, countKept(keep)),
  };
}

/** HTML pages: rewritten to readable text, or thinned by line where exact lines matter. */
export const htmlCompressor: Compressor = {
  kind: 'html',
  detect: detectHtml,
  lines: planHtmlLines,
  rewrite: rewriteHtml,
  excerpt: (text, ctx) => htmlExcerpt(text, ctx.query),
};
