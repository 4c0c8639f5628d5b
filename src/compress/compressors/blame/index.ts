import { formatCount } from '../../signals.js';
import type { Compressor, CompressorContext, LinePlan } from '../../types.js';
import {
  countKept,
  MIN_LINES,
  omitsEnough,
  queryHits,
  shareMatching,
  transformLabel,
} from '../line-tools.js';
import { namedFirst } from '../named-first.js';

/**
 * A `git blame` line: commit (`^` for a boundary commit), an optional file name, then author, date and
 * line number in parentheses: `72a80ee7 src/a.ts (Jane Doe 2026-11-25 13:16:52 +0000  12) code`.
 */
const BLAME =
  /^\^?([0-9a-f]{7,40}) (?:[^(]*? )?\((.*?) +(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?(?: ?[+-]\d{4})?)? +\d+\) ?/;
/** Lines kept at each end of the file. */
const EDGE_LINES = 2;
/** A term in more lines than this (`const`, the file's own name) picks out none of them. */
const MAX_TERM_LINES = 12;

interface Attribution {
  readonly commit: string;
  readonly author: string;
  readonly date: string;
}

function parseBlame(line: string): Attribution | undefined {
  const m = BLAME.exec(line);
  return m ? { commit: m[1]!, author: m[2]!.trim(), date: m[3]! } : undefined;
}

function detectBlame(text: string): boolean {
  const { matched, nonBlank } = shareMatching(text.slice(0, 32_768).split('\n', 200), BLAME);
  return nonBlank >= 5 && matched >= nonBlank * 0.8;
}

/**
 * Keeps the first line of each run of lines from one commit (where attribution changes), the lines the
 * question names, and the ends of the file; every omitted run says which commits its lines come from,
 * so who wrote what, and when, survives for every line.
 */
function planBlame(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  if (lines.length < MIN_LINES) return undefined;
  const who = lines.map(parseBlame);
  const budget = ctx.budgets.maxLogLines;
  const keep = new Array<boolean>(lines.length).fill(false);
  for (let i = 0; i < lines.length; i++) if (who[i] === undefined) keep[i] = true;
  for (let i = 0; i < Math.min(EDGE_LINES, lines.length); i++) keep[i] = true;
  for (let i = Math.max(0, lines.length - EDGE_LINES); i < lines.length; i++) keep[i] = true;
  for (const i of namedFirst(lines, ctx.query, Math.floor(budget / 2), (i) => keep[i]!)) keep[i] = true;
  for (const i of queryHits(lines, ctx.query, MAX_TERM_LINES, Math.floor(budget / 2))) keep[i] = true;
  let kept = countKept(keep);
  for (let i = 1; i < lines.length && kept < budget; i++) {
    if (keep[i] || who[i] === undefined || who[i]!.commit === who[i - 1]?.commit) continue;
    keep[i] = true;
    kept += 1;
  }
  if (!omitsEnough(keep)) return undefined;
  return {
    keep,
    describe(start: number, end: number): string | undefined {
      const runs = new Map<string, { attribution: Attribution; lines: number }>();
      for (let i = start; i < end; i++) {
        const a = who[i];
        if (!a) continue;
        const run = runs.get(a.commit);
        if (run) run.lines += 1;
        else runs.set(a.commit, { attribution: a, lines: 1 });
      }
      const parts = [...runs.values()]
        .sort((x, y) => y.lines - x.lines)
        .map(
          ({ attribution: a, lines: n }) =>
            `${formatCount(n)} ${n === 1 ? 'line' : 'lines'} from ${a.commit} (${a.author}, ${a.date})`,
        );
      if (parts.length === 0) return undefined;
      return parts.length > 4 ? `${parts.slice(0, 4).join(', ')}, …` : parts.join(', ');
    },
    transform: transformLabel('blame', 'lines', lines.length, countKept(keep)),
  };
}

/** `git blame` output: where attribution changes, the lines asked about; omitted runs say whose lines they are. */
export const blameCompressor: Compressor = {
  kind: 'blame',
  detect: detectBlame,
  lines: planBlame,
};
