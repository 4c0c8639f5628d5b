import { formatCount, isErrorText, queryScorer } from '../../signals.js';
import type { Compressor, CompressorContext, LinePlan } from '../../types.js';
import { COMMIT_FIELD, COMMIT_LINE } from '../git-commits.js';
import { countKept, countOf, keepShortRuns, MIN_OMITTED, queryHits } from '../line-tools.js';
import { namedFirst } from '../named-first.js';
import { enclosingHeaders, openedBody } from './enclosing.js';

const OTHER = 0;
const COMMIT = 1;
const MESSAGE = 2;
const STAT = 3;
const FILE_HEADER = 4;
const HUNK_HEADER = 5;
const ADDED = 6;
const REMOVED = 7;
const CONTEXT = 8;
const NO_NEWLINE = 9;

const FILE_START = /^(?:diff --git |diff --cc |diff --combined |diff -\S|Index: )/;
const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const COMBINED_HUNK = /^@@@+ /;
const FILE_META =
  /^(?:index |new file mode |deleted file mode |old mode |new mode |similarity index |dissimilarity index |rename from |rename to |copy from |copy to |Binary files |GIT binary patch)/;
const STAT_LINE = /^ \S.* \| +(?:\d+ ?[+-]*|Bin .*)$|^ \d+ files? changed/;
/** Lock files and build output: their changes rarely answer a question and are the first to go. */
const GENERATED =
  /(?:^|\/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|poetry\.lock|Gemfile\.lock|composer\.lock|go\.sum)$|\.min\.(?:js|css)$|\.map$|\.snap$|(?:^|\/)(?:dist|build|vendor|node_modules)\//;

/** Message lines kept per commit; the rest of a long message is a counted run. */
const MESSAGE_LINES = 6;
const MAX_STAT_LINES = 50;
const MAX_OTHER_LINES = 20;

interface Hunk {
  readonly header: number;
  end: number;
  readonly changed: number[];
  added: number;
  removed: number;
}

interface FileDiff {
  readonly index: number;
  readonly start: number;
  end: number;
  path: string;
  readonly headers: number[];
  readonly hunks: Hunk[];
}

interface Parsed {
  readonly kinds: Uint8Array;
  readonly fileOf: Int32Array;
  readonly files: FileDiff[];
}

/** The path a `diff --git a/x b/y`, `--- a/x` or `+++ b/y` line names, without its a/ b/ prefix or timestamp. */
function pathFrom(line: string): string {
  if (line.startsWith('diff --git ')) {
    const rest = line.slice(11);
    const b = rest.lastIndexOf(' b/');
    return b >= 0 ? rest.slice(b + 3) : rest;
  }
  if (line.startsWith('--- ') || line.startsWith('+++ ')) {
    const path = line.slice(4).split('\t')[0]!;
    return path.replace(/^[ab]\//, '');
  }
  return line.replace(/^(?:diff --cc |diff --combined |Index: )/, '');
}

function parse(lines: readonly string[]): Parsed {
  const n = lines.length;
  const kinds = new Uint8Array(n);
  const fileOf = new Int32Array(n).fill(-1);
  const files: FileDiff[] = [];
  let file: FileDiff | undefined;
  let hunk: Hunk | undefined;
  // Lines left in the current hunk, by its header's counts. Combined diffs (merges) are read by their
  // prefixes instead, `combined` columns wide (one per parent).
  let oldLeft = 0;
  let newLeft = 0;
  let combined = 0;
  let inCommit = false;

  const openFile = (i: number, path: string): FileDiff => {
    const f: FileDiff = { index: files.length, start: i, end: i + 1, path, headers: [], hunks: [] };
    files.push(f);
    inCommit = false;
    return f;
  };

  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    if (hunk && file) {
      const c = line.charCodeAt(0);
      const inBody = combined ? c === 32 || c === 43 || c === 45 : oldLeft > 0 || newLeft > 0;
      let kind = 0;
      if (c === 92) kind = NO_NEWLINE;
      else if (inBody && combined) {
        // One prefix column per parent: a `+` in any column adds, a `-` removes.
        const prefix = line.slice(0, combined);
        kind = prefix.includes('+') ? ADDED : prefix.includes('-') ? REMOVED : CONTEXT;
      } else if (inBody) {
        if (line.length === 0 || c === 32) kind = CONTEXT;
        else if (c === 43) kind = ADDED;
        else if (c === 45) kind = REMOVED;
      }
      if (kind !== 0) {
        kinds[i] = kind;
        fileOf[i] = file.index;
        file.end = i + 1;
        hunk.end = i + 1;
        if (kind === ADDED || kind === REMOVED) {
          hunk.changed.push(i);
          if (kind === ADDED) hunk.added += 1;
          else hunk.removed += 1;
        }
        if (kind === CONTEXT || kind === REMOVED) oldLeft -= 1;
        if (kind === CONTEXT || kind === ADDED) newLeft -= 1;
        continue;
      }
      hunk = undefined;
    }

    const h = HUNK.exec(line);
    const merge = h ? undefined : COMBINED_HUNK.exec(line);
    if (file && (h || merge)) {
      combined = merge ? merge[0].trim().length - 1 : 0;
      oldLeft = h ? Number(h[2] ?? 1) : 0;
      newLeft = h ? Number(h[4] ?? 1) : 0;
      hunk = { header: i, end: i + 1, changed: [], added: 0, removed: 0 };
      file.hunks.push(hunk);
      kinds[i] = HUNK_HEADER;
      fileOf[i] = file.index;
      file.end = i + 1;
      continue;
    }
    const plainStart = line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ') === true;
    if (FILE_START.test(line) || (plainStart && (!file || file.hunks.length > 0))) {
      file = openFile(i, pathFrom(line));
    }
    if (
      file &&
      (FILE_START.test(line) ||
        FILE_META.test(line) ||
        plainStart ||
        (line.startsWith('+++ ') && i === file.end))
    ) {
      if (line.startsWith('+++ ') && !line.startsWith('+++ /dev/null')) file.path = pathFrom(line);
      else if (line.startsWith('--- ') && !line.startsWith('--- /dev/null') && file.hunks.length === 0)
        file.path = pathFrom(line);
      kinds[i] = FILE_HEADER;
      fileOf[i] = file.index;
      file.headers.push(i);
      file.end = i + 1;
      continue;
    }
    if (COMMIT_LINE.test(line)) {
      kinds[i] = COMMIT;
      file = undefined;
      inCommit = true;
      continue;
    }
    if (inCommit && COMMIT_FIELD.test(line)) kinds[i] = COMMIT;
    else if (STAT_LINE.test(line)) kinds[i] = STAT;
    else if (inCommit && (line.length === 0 || line.startsWith('    '))) kinds[i] = MESSAGE;
    else kinds[i] = OTHER;
    file = undefined;
  }
  return { kinds, fileOf, files };
}

function detectDiff(text: string): boolean {
  const sample = text.length > 200_000 ? text.slice(0, 200_000) : text;
  const hunk = /^@@@? -\d+(?:,\d+)? /m.test(sample);
  if (/^diff --git /m.test(sample))
    return hunk || /^(?:Binary files |rename from |new file mode )/m.test(sample);
  return hunk && /^--- \S/m.test(sample) && /^\+\+\+ \S/m.test(sample);
}

/** Shares `budget` among demands so no one gets more than it asks and the rest split what is left. */
function waterFill(demands: readonly number[], budget: number): number[] {
  const alloc = demands.map(() => 0);
  let left = budget;
  let open = demands.map((_, k) => k).filter((k) => demands[k]! > 0);
  while (left > 0 && open.length > 0) {
    const share = Math.max(1, Math.floor(left / open.length));
    const still: number[] = [];
    for (const k of open) {
      const give = Math.min(share, demands[k]! - alloc[k]!, left);
      alloc[k]! += give;
      left -= give;
      if (alloc[k]! < demands[k]!) still.push(k);
    }
    open = still;
  }
  return alloc;
}

/** The share of the changed-line budget the other files get when the question names some files. */
const UNNAMED_SHARE = 0.5;

/**
 * Changed lines per shown file: the files the question names first, the others sharing what is left, at
 * most half the budget when some are named (they are context for the answer, not where it is).
 */
function allowances(
  shown: readonly FileDiff[],
  demands: readonly number[],
  named: ReadonlySet<FileDiff>,
  budget: number,
): number[] {
  const isNamed = shown.map((f) => named.has(f));
  const first = waterFill(
    demands.map((d, k) => (isNamed[k] ? d : 0)),
    budget,
  );
  const used = first.reduce((sum, n) => sum + n, 0);
  const rest = isNamed.some(Boolean) ? Math.min(budget - used, Math.floor(budget * UNNAMED_SHARE)) : budget;
  const second = waterFill(
    demands.map((d, k) => (isNamed[k] ? 0 : d)),
    rest,
  );
  return first.map((n, k) => n + second[k]!);
}

/**
 * The first `take` changed lines of a hunk, shared within each block of changes between its removed and
 * added lines, so a rewrite shows both what went and what came instead of only the removals.
 */
function sampleChanges(changed: readonly number[], kinds: Uint8Array, take: number): number[] {
  const kept: number[] = [];
  let left = take;
  let k = 0;
  while (k < changed.length && left > 0) {
    // A block: consecutive line indexes, removals then additions.
    let end = k + 1;
    while (end < changed.length && changed[end] === changed[end - 1]! + 1) end += 1;
    const block = changed.slice(k, end);
    const removed = block.filter((i) => kinds[i] === REMOVED);
    const added = block.filter((i) => kinds[i] !== REMOVED);
    const share = Math.min(left, block.length);
    const fromRemoved = Math.min(
      removed.length,
      Math.max(share - added.length, Math.ceil((share * removed.length) / block.length)),
    );
    kept.push(...removed.slice(0, fromRemoved), ...added.slice(0, share - fromRemoved));
    left -= share;
    k = end;
  }
  return kept;
}

/** `+40 −12`, or just the side that is not zero. */
function signed(added: number, removed: number): string {
  const parts: string[] = [];
  if (added > 0 || removed === 0) parts.push(`+${formatCount(added)}`);
  if (removed > 0) parts.push(`−${formatCount(removed)}`);
  return parts.join(' ');
}

/** Notes for omitted runs: `14 context lines`, `3 more hunks (+40 −12) in a.ts`, `12 files (+300 −80): …`. */
function describer(parsed: Parsed): (start: number, end: number) => string | undefined {
  const { kinds, fileOf, files } = parsed;
  return function describeDiff(start: number, end: number): string | undefined {
    const parts: string[] = [];
    const whole: FileDiff[] = [];
    let wholeAdded = 0;
    let wholeRemoved = 0;
    const partial = new Map<number, { hunks: number; added: number; removed: number; context: number }>();
    let message = 0;
    let stat = 0;
    let other = 0;
    let i = start;
    while (i < end) {
      const f = fileOf[i]!;
      const file = f >= 0 ? files[f]! : undefined;
      if (file && file.start === i && file.end <= end) {
        whole.push(file);
        for (const h of file.hunks) {
          wholeAdded += h.added;
          wholeRemoved += h.removed;
        }
        i = file.end;
        continue;
      }
      const kind = kinds[i]!;
      if (file) {
        const p = partial.get(f) ?? { hunks: 0, added: 0, removed: 0, context: 0 };
        partial.set(f, p);
        if (kind === HUNK_HEADER) p.hunks += 1;
        else if (kind === ADDED) p.added += 1;
        else if (kind === REMOVED) p.removed += 1;
        else if (kind === CONTEXT) p.context += 1;
      } else if (kind === MESSAGE || kind === COMMIT) message += 1;
      else if (kind === STAT) stat += 1;
      else other += 1;
      i += 1;
    }
    for (const [f, p] of partial) {
      const path = files[f]!.path;
      if (p.hunks > 0)
        parts.push(`${countOf(p.hunks, 'more hunk')} (${signed(p.added, p.removed)}) in ${path}`);
      else if (p.added + p.removed > 0) {
        const context = p.context > 0 ? `, ${countOf(p.context, 'context line')}` : '';
        parts.push(`${signed(p.added, p.removed)} changed lines${context}`);
      } else if (p.context > 0) parts.push(countOf(p.context, 'context line'));
    }
    if (whole.length > 0) {
      const names = whole.slice(0, 3).map((f) => f.path);
      if (whole.length > 3) names.push('…');
      parts.push(
        `${countOf(whole.length, 'file')} (${signed(wholeAdded, wholeRemoved)}): ${names.join(', ')}`,
      );
    }
    if (message > 0) parts.push(countOf(message, 'commit message line'));
    if (stat > 0) parts.push(countOf(stat, 'stat line'));
    if (other > 0) parts.push(countOf(other, 'other line'));
    return parts.length > 0 ? parts.join('; ') : undefined;
  };
}

/** Commit headers, the start of each message (and lines of it the question names), stat lines, stray text. */
function keepOutsideFiles(
  lines: readonly string[],
  kinds: Uint8Array,
  keep: boolean[],
  scoreText: (text: string) => number,
): void {
  const n = lines.length;
  let messageLines = 0;
  let statLines = 0;
  let otherLines = 0;
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    if (kind === COMMIT) {
      keep[i] = true;
      if (COMMIT_LINE.test(lines[i]!)) messageLines = 0;
    } else if (kind === MESSAGE) {
      if (messageLines < MESSAGE_LINES || scoreText(lines[i]!) > 0) keep[i] = true;
      if (lines[i]!.trim().length > 0) messageLines += 1;
    } else if (kind === STAT) {
      if (statLines < MAX_STAT_LINES || /^ \d+ files? changed/.test(lines[i]!)) keep[i] = true;
      statLines += 1;
    } else if (kind === OTHER) {
      if (otherLines < MAX_OTHER_LINES) keep[i] = true;
      otherLines += 1;
    }
  }
}

/** The share of the changed-line budget that lines holding the question's words fill before the rest. */
const HIT_SHARE = 0.1;

/** The most lines kept to show what encloses kept lines that the question does not name. */
const ENCLOSING_SHARE = 0.25;

/** Lines of the body a named line opens (`+Route.prototype.dispatch = function(…){`) kept with it. */
const MAX_BODY = 12;

/** The most lines kept, over all named lines, to show the bodies they open. */
const BODY_SHARE = 0.1;

/**
 * The declaration and block headers around kept lines (see `enclosingHeaders`): always for lines the
 * question names, for other kept changes while a quarter of the changed-line budget lasts. A named line
 * that opens a definition or block also brings the first lines of its body (see `openedBody`) while a
 * tenth of the budget lasts: the question names the signature, the answer is in what follows it.
 */
function keepEnclosingUnits(
  lines: readonly string[],
  kinds: Uint8Array,
  files: readonly FileDiff[],
  shownHunks: ReadonlyMap<FileDiff, Hunk[]>,
  keep: boolean[],
  hitLines: ReadonlySet<number>,
  maxChanged: number,
): void {
  let room = Math.max(20, Math.floor(maxChanged * ENCLOSING_SHARE));
  let bodyRoom = Math.max(2 * MAX_BODY, Math.floor(maxChanged * BODY_SHARE));
  const visit = (h: Hunk, named: boolean) => {
    // Each side of the hunk as its own text: context with the added lines, or with the removed ones.
    for (const removedSide of [false, true]) {
      const index: number[] = [];
      for (let i = h.header + 1; i < h.end; i++) {
        const k = kinds[i];
        if (k === CONTEXT || k === (removedSide ? REMOVED : ADDED)) index.push(i);
      }
      const side = index.map((i) => lines[i]!.slice(1));
      index.forEach((i, at) => {
        if (!keep[i] || kinds[i] !== (removedSide ? REMOVED : ADDED) || hitLines.has(i) !== named) return;
        if (named)
          for (const k of openedBody(side, at, MAX_BODY)) {
            const line = index[k]!;
            if (keep[line] || bodyRoom <= 0) continue;
            keep[line] = true;
            bodyRoom -= 1;
          }
        for (const k of enclosingHeaders(side, at)) {
          const line = index[k]!;
          if (keep[line]) continue;
          if (!named && room <= 0) return;
          keep[line] = true;
          room -= 1;
        }
      });
    }
  };
  for (const named of [true, false])
    for (const f of files) for (const h of shownHunks.get(f) ?? []) visit(h, named);
}

function planDiff(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  const n = lines.length;
  const b = ctx.budgets;
  const parsed = parse(lines);
  const { kinds, files } = parsed;
  if (files.length === 0) return undefined;
  const scoreText = queryScorer(ctx.query);

  // Files the question names (by path or by changed text) are always shown: those of its rarest words
  // while they fit the file budget, and each thing it names (`node` with `20`: the package.json that
  // raised the engine) its turn, so common words cannot crowd out what is asked about.
  const fileTexts = files.map((f) =>
    [f.path, ...f.hunks.flatMap((h) => h.changed.map((i) => lines[i]!))].join('\n'),
  );
  const protectedFiles = new Set(
    [
      ...queryHits(
        fileTexts,
        ctx.query,
        Math.max(b.maxDiffFiles, Math.floor(files.length / 2)),
        b.maxDiffFiles,
      ),
      ...namedFirst(fileTexts, ctx.query, b.maxDiffFiles),
    ].map((k) => files[k]!),
  );
  const hitLines = new Set<number>();
  if (protectedFiles.size > 0) {
    const changed: number[] = [];
    for (const f of protectedFiles) for (const h of f.hunks) for (const i of h.changed) changed.push(i);
    // A term on hundreds of changed lines does not single any out, and the rarer words fill a share of
    // the budget (`hold` in a refactor's every comment waits); each thing the question names gets lines.
    const texts = changed.map((i) => lines[i]!);
    const share = Math.floor(b.maxDiffChangedLines * HIT_SHARE);
    const hits = [
      ...queryHits(texts, ctx.query, b.maxDiffChangedLines, share),
      ...namedFirst(texts, ctx.query, share),
    ];
    for (const k of hits) hitLines.add(changed[k]!);
  }

  const hunkScores = new Map<Hunk, number>();
  const hunkScore = (h: Hunk): number => {
    let s = hunkScores.get(h);
    if (s === undefined) {
      s = 0;
      for (const i of h.changed) {
        if (hitLines.has(i)) s += 10;
        else if (isErrorText(lines[i]!)) s += 1;
      }
      hunkScores.set(h, s);
    }
    return s;
  };
  const fileScore = new Map<FileDiff, number>();
  for (const f of files) {
    let s = (protectedFiles.has(f) ? 1000 : 0) + scoreText(f.path) * 5;
    for (const h of f.hunks) s += Math.min(5, hunkScore(h));
    if (GENERATED.test(f.path)) s -= 100;
    fileScore.set(f, s);
  }
  const ranked = [...files].sort((x, y) => fileScore.get(y)! - fileScore.get(x)! || x.index - y.index);
  const chosen = new Set<FileDiff>(protectedFiles);
  for (const f of ranked) {
    if (chosen.size >= b.maxDiffFiles) break;
    chosen.add(f);
  }

  // Hunks per shown file: the best by query and error words (hunks the question names always), in file order.
  const shownHunks = new Map<FileDiff, Hunk[]>();
  for (const f of files) {
    if (!chosen.has(f)) continue;
    const scored = f.hunks.map((h, k) => ({ h, k, s: hunkScore(h) }));
    scored.sort((x, y) => y.s - x.s || x.k - y.k);
    const picked = scored.filter((x, rank) => rank < b.maxHunksPerFile || x.s >= 10);
    shownHunks.set(
      f,
      picked.sort((x, y) => x.k - y.k).map((x) => x.h),
    );
  }

  const keep = new Array<boolean>(n).fill(false);
  const shownFiles = ranked.filter((f) => chosen.has(f));
  const demands = shownFiles.map((f) => shownHunks.get(f)!.reduce((sum, h) => sum + h.changed.length, 0));
  const allowance = allowances(shownFiles, demands, protectedFiles, b.maxDiffChangedLines);
  shownFiles.forEach((f, k) => {
    let left = allowance[k]!;
    for (const i of f.headers) keep[i] = true;
    for (const h of shownHunks.get(f)!) {
      const take = Math.min(left, h.changed.length);
      left -= take;
      // Past the budget, lines the question names still show.
      const shown =
        take === h.changed.length
          ? h.changed
          : [...sampleChanges(h.changed, kinds, take), ...h.changed.filter((i) => hitLines.has(i))];
      // A hunk with none of its lines shown is one of the `more hunks` its file's note counts.
      if (shown.length > 0) keep[h.header] = true;
      for (const i of shown) {
        keep[i] = true;
        for (let d = 1; d <= b.diffContextLines; d++) {
          if (i - d > h.header && kinds[i - d] === CONTEXT) keep[i - d] = true;
          if (i + d < h.end && kinds[i + d] === CONTEXT) keep[i + d] = true;
        }
        if (i + 1 < h.end && kinds[i + 1] === NO_NEWLINE) keep[i + 1] = true;
      }
    }
  });

  keepEnclosingUnits(lines, kinds, shownFiles, shownHunks, keep, hitLines, b.maxDiffChangedLines);
  keepOutsideFiles(lines, kinds, keep, scoreText);

  // A note for one or two context lines costs about what the lines do.
  keepShortRuns(keep, 3);
  const total = countKept(keep);
  if (n - total < MIN_OMITTED) return undefined;

  return {
    keep,
    describe: describer(parsed),
    transform: `diff:lines ${n}→${total} files ${files.length}→${shownFiles.length}`,
  };
}

/** Unified diffs and `git log -p` / `git show`: headers, changed lines up to a budget, trimmed context. */
export const diffCompressor: Compressor = {
  kind: 'diff',
  detect: detectDiff,
  lines: planDiff,
};
