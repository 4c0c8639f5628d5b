import {
  ERROR_PATTERN,
  formatCount,
  isErrorText,
  queryScorer,
  type TermMatcher,
  termMatcher,
} from '../../signals.js';
import type { Budgets, Compressor, CompressorContext, LinePlan, Query } from '../../types.js';
import { countKept, countOf, keepShortRuns, MIN_OMITTED, queryHits } from '../line-tools.js';
import { namedFirst } from '../named-first.js';

/** `path:12:content` (grep -rn, rg -n, git grep -n); the path holds no spaces or colons (a drive letter aside). */
const NUMBERED = /^((?:[A-Za-z]:)?[^\s:]+):(\d+):/;
/** `path:content` (grep -r without -n); only taken when the path plainly is one. */
const UNNUMBERED = /^((?:[A-Za-z]:)?[^\s:]+):/;
/** A line under an `rg --heading` path: `12:content` for a match, `12-content` for context. */
const UNDER_HEADING = /^(\d+)([:-])/;
const CONTEXT_CANDIDATE = /-(\d+)-/g;
const PATHISH = /[/\\]|\.\w{1,10}$/;
const BARE_NAME = /^[A-Za-z][\w-]*$/;
/** Compiler diagnostics share the `path:line:` shape but are logs, not search results (read after the line number). */
const DIAGNOSTIC_REST = /^\d+(?::| -) (?:error|warning|note)\b/;
/**
 * `path(12,5): error TS…` (a compiler's location, not a path) and `path::test_name PASSED` (a test id):
 * build and test output, not search hits, whatever wraps it.
 */
const TOOL_LOCATION = /\(\d+,\d+\)$/;

const BLANK = 0;
const MATCH = 1;
const CONTEXT = 2;
const HEADING = 3;
const SEPARATOR = 4;
const OTHER = 5;

/** Context lines kept on each side of a kept match. */
const CONTEXT_LINES = 2;
/** Dropped files named one by one in the summary line; more are counted by directory, in at most so many groups. */
const NAMED_DROPPED_FILES = 8;
const NAMED_DROPPED_GROUPS = 8;
const MAX_OTHER_LINES = 10;

interface Parsed {
  readonly kinds: Uint8Array;
  /** File index per line, -1 for lines outside any file. */
  readonly fileOf: Int32Array;
  /** Where a line's content starts, after its path and number. */
  readonly contentAt: Int32Array;
  readonly paths: string[];
}

function plausiblePath(path: string, numbered: boolean): boolean {
  return PATHISH.test(path) || (numbered && BARE_NAME.test(path));
}

function parse(lines: readonly string[]): Parsed {
  const n = lines.length;
  const kinds = new Uint8Array(n).fill(OTHER);
  const fileOf = new Int32Array(n).fill(-1);
  const contentAt = new Int32Array(n);
  const paths: string[] = [];
  const fileIndex = new Map<string, number>();
  const fileFor = (path: string) => {
    let f = fileIndex.get(path);
    if (f === undefined) {
      f = paths.length;
      paths.push(path);
      fileIndex.set(path, f);
    }
    return f;
  };
  // Match lines first, so context lines (`path-12-content`) can be split where a known path ends.
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    if (line.length === 0) {
      kinds[i] = BLANK;
      continue;
    }
    if (line === '--') {
      kinds[i] = SEPARATOR;
      continue;
    }
    const m = NUMBERED.exec(line);
    if (m && plausiblePath(m[1]!, true)) {
      if (DIAGNOSTIC_REST.test(line.slice(m[0].length, m[0].length + 24))) continue;
      kinds[i] = MATCH;
      fileOf[i] = fileFor(m[1]!);
      contentAt[i] = m[0].length;
      continue;
    }
    const u = UNNUMBERED.exec(line);
    if (u && plausiblePath(u[1]!, false) && !TOOL_LOCATION.test(u[1]!) && line[u[0].length] !== ':') {
      kinds[i] = MATCH;
      fileOf[i] = fileFor(u[1]!);
      contentAt[i] = u[0].length;
    }
  }
  let heading = -1;
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    if (kind === BLANK) {
      heading = -1;
      continue;
    }
    if (kind !== OTHER) continue;
    const line = lines[i]!;
    const under = UNDER_HEADING.exec(line);
    if (under && heading >= 0) {
      kinds[i] = under[2] === ':' ? MATCH : CONTEXT;
      fileOf[i] = heading;
      contentAt[i] = under[0].length;
      continue;
    }
    if (fileIndex.size > 0) {
      CONTEXT_CANDIDATE.lastIndex = 0;
      for (let c = CONTEXT_CANDIDATE.exec(line); c; c = CONTEXT_CANDIDATE.exec(line)) {
        const f = fileIndex.get(line.slice(0, c.index));
        if (f === undefined) continue;
        kinds[i] = CONTEXT;
        fileOf[i] = f;
        contentAt[i] = c.index + c[0].length;
        break;
      }
      if (kinds[i] === CONTEXT) continue;
    }
    const next = lines[i + 1];
    if (next !== undefined && UNDER_HEADING.test(next) && !/\s/.test(line) && PATHISH.test(line)) {
      kinds[i] = HEADING;
      heading = fileFor(line);
      fileOf[i] = heading;
    }
  }
  return { kinds, fileOf, contentAt, paths };
}

function detectSearch(text: string): boolean {
  const sample = text.length > 65_536 ? text.slice(0, 65_536) : text;
  const { kinds } = parse(sample.split('\n', 300));
  let nonEmpty = 0;
  let parsed = 0;
  let matches = 0;
  for (const kind of kinds) {
    if (kind === BLANK) continue;
    nonEmpty += 1;
    if (kind !== OTHER) parsed += 1;
    if (kind === MATCH) matches += 1;
  }
  return matches >= 3 && parsed >= nonEmpty * 0.8;
}

interface FileGroup {
  readonly index: number;
  readonly path: string;
  readonly matches: number[];
  score: number;
}

/** Ranks files (best match, then path) and keeps matches round by round: breadth before depth. */
function selectMatches(
  files: readonly FileGroup[],
  fileOf: Int32Array,
  score: Float64Array,
  protectedLines: ReadonlySet<number>,
  keep: boolean[],
  b: Budgets,
): void {
  const keptPerFile = new Int32Array(files.length);
  let keptMatches = 0;
  const keepMatch = (i: number) => {
    keep[i] = true;
    keptPerFile[fileOf[i]!]! += 1;
    keptMatches += 1;
  };
  for (const i of protectedLines) keepMatch(i);
  const ranked = [...files].sort((x, y) => y.score - x.score || x.index - y.index);
  const chosen = new Set<FileGroup>(files.filter((f) => keptPerFile[f.index]! > 0));
  for (const f of ranked) {
    if (chosen.size >= b.maxSearchFiles) break;
    chosen.add(f);
  }
  const order = ranked.filter((f) => chosen.has(f));
  const byRank = (x: number, y: number) => score[y]! - score[x]! || x - y;
  const queues = new Map(order.map((f) => [f, f.matches.filter((i) => !keep[i]).sort(byRank)]));
  for (let round = 0; round < b.maxMatchesPerFile && keptMatches < b.maxSearchMatches; round++) {
    for (const f of order) {
      if (keptMatches >= b.maxSearchMatches) break;
      if (keptPerFile[f.index]! >= b.maxMatchesPerFile) continue;
      const next = queues.get(f)!.shift();
      if (next !== undefined) keepMatch(next);
    }
  }
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

/** The deepest directory (with its trailing `/`) that holds every path; empty when there is none. */
function commonDir(paths: readonly string[]): string {
  let prefix = dirOf(paths[0] ?? '');
  for (const path of paths) {
    while (prefix.length > 0 && !path.startsWith(prefix)) prefix = dirOf(prefix.slice(0, -1));
  }
  return prefix;
}

interface DropGroup {
  readonly dir: string;
  files: number;
  matches: number;
}

/**
 * Dropped files grouped by directory below their common root, at the deepest level that still gives at
 * most `NAMED_DROPPED_GROUPS` groups (`cjs/middleware/`, `types/`), largest first.
 */
function dropGroups(dropped: readonly FileGroup[], root: string): DropGroup[] {
  const dirs = dropped.map((f) => dirOf(f.path).slice(root.length));
  const groupAt = (depth: number, limit: number): DropGroup[] | undefined => {
    const groups = new Map<string, DropGroup>();
    for (let k = 0; k < dirs.length; k++) {
      const dir = dirs[k]!;
      let end = 0;
      for (let d = 0; d < depth; d++) {
        const slash = dir.indexOf('/', end);
        if (slash < 0) break;
        end = slash + 1;
      }
      const key = dir.slice(0, end);
      let g = groups.get(key);
      if (!g) {
        if (groups.size >= limit) return undefined;
        g = { dir: key, files: 0, matches: 0 };
        groups.set(key, g);
      }
      g.files += 1;
      g.matches += dropped[k]!.matches.length;
    }
    return [...groups.values()];
  };
  let best = groupAt(1, Number.POSITIVE_INFINITY)!;
  for (let depth = 2; ; depth++) {
    const next = groupAt(depth, NAMED_DROPPED_GROUPS);
    // Deeper than every path, or too many groups: the level above is the answer.
    if (!next || next.length === best.length) break;
    best = next;
  }
  return best.sort((a, b) => b.matches - a.matches);
}

/**
 * One line about the files that show no match at all: named with their match counts when there are few,
 * counted by directory when there are many (the notes in place already name them run by run).
 */
function droppedSummary(dropped: readonly FileGroup[]): string {
  const matches = dropped.reduce((sum, f) => sum + f.matches.length, 0);
  const head = `${countOf(dropped.length, 'file')} not shown, ${countOf(matches, 'match', 'matches')}`;
  if (dropped.length <= NAMED_DROPPED_FILES) {
    return `[${head}: ${dropped.map((f) => `${f.path} (${formatCount(f.matches.length)})`).join(', ')}]`;
  }
  const root = commonDir(dropped.map((f) => f.path));
  const groups = dropGroups(dropped, root);
  const named = groups
    .slice(0, NAMED_DROPPED_GROUPS)
    .map((g) => `${g.dir || './'} (${countOf(g.files, 'file')}, ${formatCount(g.matches)})`);
  const rest = groups.length - named.length;
  if (rest > 0) named.push(`and ${countOf(rest, 'more directory', 'more directories')}`);
  return `[${head}${root ? ` under ${root}` : ''}: ${named.join(', ')}]`;
}

/**
 * Notes for omitted runs: `23 more matches in src/foo.ts`, two files by name, more by the directory
 * that holds them all.
 */
function describer(parsed: Parsed, shown: Int32Array): (start: number, end: number) => string | undefined {
  const { kinds, fileOf, paths } = parsed;
  return function describeMatches(start: number, end: number): string | undefined {
    const perFile = new Map<number, number>();
    let context = 0;
    for (let i = start; i < end; i++) {
      if (kinds[i] === MATCH) perFile.set(fileOf[i]!, (perFile.get(fileOf[i]!) ?? 0) + 1);
      else if (kinds[i] === CONTEXT) context += 1;
    }
    if (perFile.size === 0) return context > 0 ? countOf(context, 'context line') : undefined;
    const entries = [...perFile];
    if (entries.length === 1) {
      const [f, count] = entries[0]!;
      const more = shown[f]! > 0 ? 'more ' : '';
      return `${countOf(count, `${more}match`, `${more}matches`)} in ${paths[f]}`;
    }
    const total = entries.reduce((sum, [, count]) => sum + count, 0);
    const head = `${countOf(total, 'match', 'matches')} in ${formatCount(entries.length)} files`;
    const dir = entries.length > 2 ? commonDir(entries.map(([f]) => paths[f]!)) : '';
    if (dir) return `${head} under ${dir}`;
    const named = entries.slice(0, 2).map(([f, count]) => `${paths[f]} (${formatCount(count)})`);
    if (entries.length > 2) named.push('…');
    return `${head}: ${named.join(', ')}`;
  };
}

/** Weight of each query term among the matches: rare terms say more (`cors`) than the searched word (`hono`). */
function termWeights(texts: readonly string[], matcher: TermMatcher): Float64Array {
  const weights = new Float64Array(matcher.terms.length);
  if (!matcher.any || texts.length === 0) return weights;
  const counts = new Int32Array(matcher.terms.length);
  for (const text of texts) {
    if (!matcher.maybe(text)) continue;
    const lower = text.toLowerCase();
    for (let t = 0; t < counts.length; t++) if (matcher.mentions(lower, t)) counts[t]! += 1;
  }
  counts.forEach((count, t) => {
    if (count > 0) weights[t] = Math.log(texts.length / count);
  });
  return weights;
}

/**
 * Scores each match by the query terms in its content (weighted by rarity) and error words, and each
 * file by its best match and the terms in its path. Terms in a path speak for the file, not for every
 * line in it, so they rank files rather than lines.
 */
function scoreMatches(
  lines: readonly string[],
  parsed: Parsed,
  matchLines: readonly number[],
  files: FileGroup[],
  query: Query,
): Float64Array {
  const { contentAt } = parsed;
  const score = new Float64Array(lines.length);
  const matcher = termMatcher(query);
  const weights = termWeights(
    matchLines.map((i) => lines[i]!),
    matcher,
  );
  const termScore = (text: string): number => {
    if (!matcher.maybe(text)) return 0;
    const lower = text.toLowerCase();
    let s = 0;
    for (let t = 0; t < weights.length; t++) if (matcher.mentions(lower, t)) s += weights[t]!;
    return s;
  };
  for (const i of matchLines) {
    const line = lines[i]!;
    // Most lines hold neither a term nor an error word; only those that do are cut to their content.
    const any = matcher.any?.test(line) === true;
    if (!any && !ERROR_PATTERN.test(line)) continue;
    const content = line.slice(contentAt[i]!);
    score[i] = (any ? termScore(content) * 10 : 0) + (isErrorText(content) ? 2 : 0);
  }
  for (const file of files) {
    let best = 0;
    for (const i of file.matches) best = Math.max(best, score[i]!);
    file.score = best + termScore(file.path) * 5;
  }
  return score;
}

function planSearch(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  const b = ctx.budgets;
  const n = lines.length;
  const parsed = parse(lines);
  const { kinds, fileOf, paths } = parsed;
  const files: FileGroup[] = paths.map((path, index) => ({ index, path, matches: [], score: 0 }));
  const matchLines: number[] = [];
  for (let i = 0; i < n; i++) {
    if (kinds[i] !== MATCH) continue;
    matchLines.push(i);
    files[fileOf[i]!]!.matches.push(i);
  }
  const totalMatches = matchLines.length;
  if (totalMatches === 0) return undefined;
  const withinBudget =
    totalMatches <= b.maxSearchMatches &&
    files.length <= b.maxSearchFiles &&
    files.every((f) => f.matches.length <= b.maxMatchesPerFile);
  if (withinBudget) return undefined;

  // What the user asked for survives whatever the budgets say; a term in most matches is the pattern
  // itself, and terms common enough to flood the budget yield to rarer ones.
  // Each entity the question names gets its own hits first, from the same budget.
  const matchTexts = matchLines.map((i) => lines[i]!);
  const named = namedFirst(matchTexts, ctx.query, Math.ceil(b.maxSearchMatches / 2));
  const protectedLines = new Set(
    [
      ...named,
      ...queryHits(
        matchTexts,
        ctx.query,
        Math.max(b.maxSearchMatches, Math.floor(totalMatches / 2)),
        b.maxSearchMatches - named.length,
      ),
    ].map((k) => matchLines[k]!),
  );
  const score = scoreMatches(lines, parsed, matchLines, files, ctx.query);
  const keep = new Array<boolean>(n).fill(false);
  selectMatches(files, fileOf, score, protectedLines, keep, b);

  // Context around kept matches, and notes from the tool itself (`grep: x: Permission denied`).
  const scoreText = queryScorer(ctx.query);
  let others = 0;
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    if (kinds[i] === OTHER && others < MAX_OTHER_LINES && (isErrorText(line) || scoreText(line) > 0)) {
      keep[i] = true;
      others += 1;
    }
    if (kinds[i] !== MATCH || !keep[i]) continue;
    const f = fileOf[i]!;
    for (let d = 1; d <= CONTEXT_LINES && kinds[i - d] === CONTEXT && fileOf[i - d] === f; d++)
      keep[i - d] = true;
    for (let d = 1; d <= CONTEXT_LINES && kinds[i + d] === CONTEXT && fileOf[i + d] === f; d++)
      keep[i + d] = true;
  }
  keepShortRuns(keep);
  const shown = new Int32Array(files.length);
  for (const i of matchLines) if (keep[i]) shown[fileOf[i]!]! += 1;
  for (let i = 0; i < n; i++) if (kinds[i] === HEADING && shown[fileOf[i]!]! > 0) keep[i] = true;
  if (n - countKept(keep) < MIN_OMITTED) return undefined;

  const dropped = files.filter((f) => shown[f.index] === 0);
  let shownMatches = 0;
  for (const count of shown) shownMatches += count;
  return {
    keep,
    describe: describer(parsed, shown),
    ...(dropped.length > 0 ? { summary: [droppedSummary(dropped)] } : {}),
    transform: `search:matches ${totalMatches}→${shownMatches} files ${files.length}→${files.length - dropped.length}`,
  };
}

/** grep / rg / git grep results: the best files and matches, everything the user asked about, counts for the rest. */
export const searchCompressor: Compressor = {
  kind: 'search',
  detect: detectSearch,
  lines: planSearch,
};
