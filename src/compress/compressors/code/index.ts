import type { BlockHint, Compressor, CompressorContext, LinePlan } from '../../types.js';
import {
  countKept,
  countOf,
  extensionOf,
  focusMask,
  keepShortRuns,
  type LineMatches,
  lineScore,
  MIN_LINES,
  matchLines,
  omitsEnough,
  transformLabel,
} from '../line-tools.js';
import { minifiedExcerpt } from './minified.js';
import { BARE_OPENER, CODE_WORDS, ERROR_HANDLING, IMPORT, readHead } from './shapes.js';
import { buildTree, dialectOf, headerEnd, type Scan, scanSource, type Tree } from './structure.js';

/** Bodies this short are kept whole: eliding them would save less than the note costs. */
const SHORT_BODY = 6;
/** A query term found in more of the lines than this (`request` in an HTTP client) protects none of them. */
const MAX_TERM_SHARE = 0.08;
/** Comments are prose: one common word is not enough to keep a comment line. */
const COMMENT_TERMS = 2;
/** A body is kept whole for a partial name match only when this few functions share the match. */
const MAX_PARTIAL_NAME_MATCHES = 2;

const CODE_EXTENSIONS =
  /^\.(?:[cm]?[jt]sx?|py|pyi|go|rs|java|kt|kts|scala|swift|c|h|cc|cpp|cxx|hpp|hh|cs|rb|php|lua|sh|bash|zsh|fish|ps1|pl|pm|r|jl|dart|ex|exs|erl|hs|ml|mli|clj|vue|svelte|sql|zig|nim|groovy|gradle|tf|proto)$/;

const CODE_LINE =
  /^\s*(?:import\s+[\w{*"'$]|from\s+[\w.]+\s+import\b|#include\s*[<"]|package\s+[\w.]+;?\s*$|using\s+[\w.]+;|use\s+[\w:]+|(?:export\s+)?(?:default\s+)?(?:async\s+)?function\b|(?:async\s+)?def\s+\w+\s*\(|class\s+\w+|(?:pub\s+)?fn\s+\w+|func\s+|(?:public|private|protected|static)\s|(?:const|let|var)\s+[\w${[]+\s*[=:]|interface\s+\w+|type\s+\w+\s*=|struct\s+\w+|enum\s+\w+|impl\b|return\b|if\s*\(|for\s*\(|while\s*\(|}\s*(?:else|catch)\b|@\w+)|[{};]\s*$|^\s*}\)?;?\s*$|\)\s*:\s*$|=>\s*\{?\s*$|^\s*(?:type\s+)?[\w$]+,\s*$/;
const SENTENCE = /^\s*[A-Z][a-z]+(?:\s+[\w,'()-]+){6,}[.!?]\s*$/;

/** Source code by its file's extension, else by how many lines look like statements and declarations. */
function detectCode(text: string, hint: BlockHint): boolean {
  if (hint.filePath) {
    const ext = extensionOf(hint.filePath);
    if (ext !== '') return CODE_EXTENSIONS.test(ext);
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('<')) return false;
  const sample = text.slice(0, 20_000).split('\n', 300);
  let nonBlank = 0;
  let code = 0;
  let prose = 0;
  for (const line of sample) {
    if (line.trim().length === 0) continue;
    nonBlank += 1;
    if (CODE_LINE.test(line)) code += 1;
    else if (SENTENCE.test(line)) prose += 1;
  }
  return nonBlank >= 5 && code >= nonBlank * 0.3 && prose < nonBlank * 0.2;
}

const CONTAINER_ZONE = 0;
const WHOLE_ZONE = 1;
const ELIDED_ZONE = 2;

interface Walk {
  readonly lines: readonly string[];
  readonly scan: Scan;
  readonly tree: Tree;
  readonly matches: LineMatches;
  /** The query terms that single out lines (a bit mask over `matches`). */
  readonly focused: number;
  /** Query terms that name a function whose body the user will want whole. */
  readonly namedTerms: readonly string[];
  readonly zone: Uint8Array;
  readonly selected: Uint8Array;
  /** Index into `names` of the elided block a line belongs to, or -1. */
  readonly owner: Int32Array;
  readonly names: string[];
}

function trimmedHeader(walk: Walk, start: number, end: number): string {
  if (start === end) return walk.lines[start]!.trim();
  const parts: string[] = [];
  for (let i = start; i <= end; i++) parts.push(walk.lines[i]!.trim());
  return parts.join(' ');
}

function isHeaderLine(walk: Walk, line: number): boolean {
  return readHead(walk.lines[line]!.trim()).shape !== 'other';
}

/** Containers nested deeper than this are treated as plain blocks: real code never gets there. */
const MAX_NESTING = 100;

function visitMembers(walk: Walk, members: readonly number[], after: number, depth: number): void {
  let skipUntil = after;
  for (let k = 0; k < members.length; k++) {
    const start = members[k]!;
    if (start <= skipUntil) continue;
    let end = headerEnd(walk.lines, walk.scan, start);
    // Allman style: the body's `{` sits alone on the next line, at the statement's own indentation.
    let following = k + 1;
    while (following < members.length && members[following]! <= end) following += 1;
    const next = members[following];
    if (next !== undefined && walk.tree.end[start]! <= end && walk.lines[next]!.trim() === '{') end = next;
    if (end > start && walk.tree.parent[end] === walk.tree.parent[start]) skipUntil = end;
    visitBlock(walk, start, end, depth);
  }
}

function markZone(walk: Walk, from: number, to: number, zone: number): void {
  for (let i = from; i <= to; i++) walk.zone[i] = zone;
}

function visitBlock(walk: Walk, start: number, headEnd: number, depth: number): void {
  const { tree } = walk;
  const sibling = headEnd > start && tree.parent[headEnd] === tree.parent[start];
  const bodyOwner = sibling ? headEnd : start;
  const bodyStart = headEnd + 1;
  const bodyEnd = tree.end[bodyOwner]!;
  if (bodyEnd < bodyStart) return;
  const header = trimmedHeader(walk, start, headEnd);
  if (IMPORT.test(header)) {
    markZone(walk, bodyStart, bodyEnd, WHOLE_ZONE);
    return;
  }
  const members = tree.children[bodyOwner]!.filter((c) => c > headEnd);
  // Only comments below a line: they are handled as comments, not as a body.
  if (members.length === 0) return;
  const head = readHead(header);
  const container =
    head.shape === 'container' || (head.shape !== 'function' && members.some((m) => isHeaderLine(walk, m)));
  if (container && depth < MAX_NESTING) {
    visitMembers(walk, members, headEnd, depth + 1);
    return;
  }
  if (bodyEnd - bodyStart + 1 <= SHORT_BODY || isNamedByQuery(walk, head.name)) {
    markZone(walk, bodyStart, bodyEnd, WHOLE_ZONE);
    return;
  }
  elide(walk, bodyStart, bodyEnd, head.name);
}

function isNamedByQuery(walk: Walk, name: string): boolean {
  const lower = name.toLowerCase();
  return walk.namedTerms.some((term) => lower.includes(term));
}

function nextNonBlank(walk: Walk, from: number, to: number, codeOnly: boolean): number {
  for (let i = from; i <= to; i++) {
    const kind = walk.scan.kinds[i];
    if (kind === 'code' || (!codeOnly && kind !== 'blank')) return i;
  }
  return -1;
}

/** Keeps a line and the headers of the blocks around it, up to the elided body's own start. */
function selectWithEnclosing(walk: Walk, line: number, bodyStart: number): void {
  walk.selected[line] = 1;
  let p = walk.tree.parent[line]!;
  while (p >= bodyStart) {
    walk.selected[p] = 1;
    selectHeaderStart(walk, p);
    p = walk.tree.parent[p]!;
  }
}

/** When a block's line is the end of a multi-line signature (`): Config {`), keeps the signature's start too. */
function selectHeaderStart(walk: Walk, line: number): void {
  const text = walk.lines[line]!.trimStart();
  if (!/^[)\]{]/.test(text)) return;
  const limit = Math.max(0, line - 30);
  for (let j = line - 1; j >= limit; j--) {
    if (walk.scan.kinds[j] !== 'code' || walk.tree.parent[j] !== walk.tree.parent[line]) continue;
    if (walk.scan.indent[j] !== walk.scan.indent[line]) continue;
    if (text === '{' || headerEnd(walk.lines, walk.scan, j) === line) {
      for (let k = j; k < line; k++) walk.selected[k] = 1;
    }
    return;
  }
}

function elide(walk: Walk, bodyStart: number, bodyEnd: number, name: string): void {
  const id = walk.names.push(name) - 1;
  for (let i = bodyStart; i <= bodyEnd; i++) {
    walk.zone[i] = ELIDED_ZONE;
    walk.owner[i] = id;
  }
  const first = nextNonBlank(walk, bodyStart, bodyEnd, false);
  if (first === -1) return;
  walk.selected[first] = 1;
  if (walk.scan.kinds[first] !== 'code' || BARE_OPENER.test(walk.lines[first]!)) {
    const second = nextNonBlank(walk, first + 1, bodyEnd, true);
    if (second !== -1) walk.selected[second] = 1;
  }
  let last = -1;
  for (let i = bodyStart; i <= bodyEnd; i++) {
    const kind = walk.scan.kinds[i];
    if (kind === 'blank') continue;
    if (kind === 'code') last = i;
    const line = walk.lines[i]!;
    const needed = kind === 'code' ? 1 : COMMENT_TERMS;
    if (
      (kind === 'code' && ERROR_HANDLING.test(line)) ||
      lineScore(walk.matches, i, walk.focused) >= needed
    ) {
      selectWithEnclosing(walk, i, bodyStart);
    }
  }
  if (last !== -1 && /^\s*return\b/.test(walk.lines[last]!)) walk.selected[last] = 1;
}

/** Query terms that name a declared block: exactly, or as part of at most a couple of names. */
function namingTerms(lines: readonly string[], tree: Tree, terms: readonly string[]): readonly string[] {
  if (terms.length === 0) return terms;
  const exact = new Set<string>();
  const partial = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    if (tree.end[i]! <= i) continue;
    const head = readHead(lines[i]!.trim());
    if (head.shape === 'other') continue;
    const name = head.name.toLowerCase();
    for (const term of terms) {
      if (name === term) exact.add(term);
      else if (name.includes(term)) partial.set(term, (partial.get(term) ?? 0) + 1);
    }
  }
  return terms.filter(
    (t) =>
      exact.has(t) ||
      (t.length >= 5 && (partial.get(t) ?? 0) > 0 && partial.get(t)! <= MAX_PARTIAL_NAME_MATCHES),
  );
}

/**
 * Comments between declarations: the first line of each run says what follows (two lines when the
 * first is a bare `/**`); runs of one or two lines stay whole.
 */
function keepCommentRun(walk: Walk, keep: boolean[], from: number, to: number): void {
  const short = to - from < 2;
  for (let i = from; i <= to; i++) {
    const lead = i === from || (i === from + 1 && BARE_OPENER.test(walk.lines[from]!));
    keep[i] = short || lead || lineScore(walk.matches, i, walk.focused) >= COMMENT_TERMS;
  }
}

function decide(walk: Walk): boolean[] {
  const n = walk.lines.length;
  const keep: boolean[] = new Array(n).fill(false);
  let i = 0;
  while (i < n) {
    const zone = walk.zone[i];
    if (zone === WHOLE_ZONE) keep[i] = true;
    else if (zone === ELIDED_ZONE) keep[i] = walk.selected[i] === 1;
    else {
      const kind = walk.scan.kinds[i];
      if (kind === 'comment' || kind === 'string') {
        let j = i;
        while (
          j + 1 < n &&
          walk.zone[j + 1] === CONTAINER_ZONE &&
          (walk.scan.kinds[j + 1] === 'comment' || walk.scan.kinds[j + 1] === 'string')
        ) {
          j += 1;
        }
        keepCommentRun(walk, keep, i, j);
        i = j + 1;
        continue;
      }
      keep[i] = true;
    }
    i += 1;
  }
  return keep;
}

function describer(walk: Walk): (start: number, end: number) => string | undefined {
  return function describeOmitted(start: number, end: number): string | undefined {
    const id = walk.owner[start]!;
    let sameBody = id !== -1;
    let comments = 0;
    let strings = 0;
    for (let i = start; i < end; i++) {
      if (walk.owner[i] !== id) sameBody = false;
      const kind = walk.scan.kinds[i];
      if (kind === 'comment') comments += 1;
      else if (kind === 'string') strings += 1;
    }
    if (sameBody) return `body of ${walk.names[id]} (${countOf(end - start, 'line')})`;
    if (id === -1 && comments > 0 && strings === 0 && walk.zone[start] === CONTAINER_ZONE) {
      return countOf(comments, 'comment line');
    }
    if (id === -1 && strings > 0 && comments === 0)
      return `${countOf(strings, 'line')} of a multi-line string`;
    return undefined;
  };
}

/**
 * Keeps a source file's outline: imports, declarations and signatures, decorators, doc-comment first
 * lines, short bodies, and from long bodies their first line, error handling, lines the question names
 * (with the signatures around them) and the closing line. A function the question names keeps its body.
 */
function planCode(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  if (lines.length < MIN_LINES) return undefined;
  const scan = scanSource(lines, dialectOf(lines, ctx.hint));
  const matches = matchLines(lines, ctx.query, CODE_WORDS);
  const tree = buildTree(scan);
  const n = lines.length;
  const walk: Walk = {
    lines,
    scan,
    tree,
    matches,
    focused: focusMask(matches, MAX_TERM_SHARE),
    namedTerms: namingTerms(lines, tree, matches.terms.words),
    zone: new Uint8Array(n),
    selected: new Uint8Array(n),
    owner: new Int32Array(n).fill(-1),
    names: [],
  };
  visitMembers(walk, tree.children[n]!, -1, 0);
  const keep = decide(walk);
  keepShortRuns(keep, 3);
  if (!omitsEnough(keep)) return undefined;
  return {
    keep,
    describe: describer(walk),
    transform: transformLabel('code', 'lines', n, countKept(keep)),
  };
}

/** Source files: outline kept, long bodies elided; minified bundles as excerpts around the question. */
export const codeCompressor: Compressor = {
  kind: 'code',
  detect: detectCode,
  lines: planCode,
  rewrite: (text, ctx) => minifiedExcerpt(text, ctx.query),
};
