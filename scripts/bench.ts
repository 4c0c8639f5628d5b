/**
 * `npm run bench`: savings, kept needles and speed of `compress()` on the real-output corpus
 * (test/fixtures/corpus), then latency on synthetic JSON dumps of ~10K, ~100K and ~500K tokens.
 *
 * Each corpus case becomes an agent turn (question → tool call → tool output) in three shapes: raw (a bash
 * result, in OpenAI chat and Anthropic shape), Claude Code's line-numbered `Read` result, and Codex's exec
 * output under its header. Every needle of the case must still be in the compressed tool output, verbatim,
 * in every shape. The report gives savings and needles per case, per kind and per shape. Each case runs in
 * its own child process, so one that crashes is reported and the rest still run. A lost needle, an altered
 * conversation or a crash makes the run exit 1.
 *
 * `--heldout` scores the held-out set (test/fixtures/heldout) instead of the tuning corpus; `--set NAME`
 * scores any set by name (`corpus`, `heldout`, `heldout-2`, `heldout-3`) and wins over `--heldout`, so
 * `npm run bench:heldout -- --set heldout-2` scores the second held-out set.
 *
 * Usage: tsx scripts/bench.ts [--json] [--heldout | --set NAME] [--only name,name] [--runs N] [--no-latency]
 */
import { fileURLToPath } from 'node:url';
import {
  benchCase,
  type CaseResult,
  type CompressFn,
  crashedCase,
  failed,
  MODEL,
} from './bench/corpus-case.js';
import { runIsolated } from './bench/isolate.js';
import { benchLatency, crashedLatency, LATENCY_SIZES, type LatencyResult } from './bench/latency.js';
import { renderReport, targetMisses, totalsByKind, totalsByShape } from './bench/print.js';
import { CASE_SETS, type CaseSet, type CorpusCase, caseSet, loadCases } from './corpus/cases.js';

const SELF = fileURLToPath(import.meta.url);

interface Args {
  readonly json: boolean;
  readonly set: CaseSet;
  readonly only: ReadonlySet<string> | undefined;
  readonly runs: number;
  readonly latency: boolean;
  /** Internal: this process is a child that runs one job and sends its result back. */
  readonly childCase: string | undefined;
  readonly childLatency: number | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value('--only');
  const runs = Number(value('--runs') ?? 5);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`Expected \`--runs\` to be a positive integer, got ${runs}`);
  const childLatency = value('--child-latency');
  return {
    json: argv.includes('--json'),
    set: caseSet(value('--set') ?? (argv.includes('--heldout') ? 'heldout' : 'corpus')),
    only: only === undefined ? undefined : new Set(only.split(',')),
    runs,
    latency: !argv.includes('--no-latency'),
    childCase: value('--child-case'),
    childLatency: childLatency === undefined ? undefined : Number(childLatency),
  };
}

// Loaded only inside a child: a half-written src/ then fails one case's process, not the whole bench.
async function loadCompress(): Promise<CompressFn> {
  const mod = await import('../src/index.js');
  return mod.compress;
}

async function runChild(args: Args, cases: readonly CorpusCase[]): Promise<void> {
  const compressFn = await loadCompress();
  let result: CaseResult | LatencyResult;
  if (args.childCase !== undefined) {
    const c = cases.find((x) => x.name === args.childCase);
    if (!c) throw new Error(`No corpus case named ${args.childCase}`);
    result = await benchCase(compressFn, c, args.runs, CASE_SETS[args.set]);
  } else {
    const size = LATENCY_SIZES.find(([tokens]) => tokens === args.childLatency);
    if (!size) throw new Error(`No latency size ${String(args.childLatency)}`);
    result = await benchLatency(compressFn, size[0], size[1]);
  }
  // The IPC channel keeps a child alive; close it once the result is out.
  process.send?.(result, () => process.disconnect());
}

async function runParent(args: Args, cases: readonly CorpusCase[]): Promise<void> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    if (args.only && !args.only.has(c.name)) continue;
    const run = await runIsolated<CaseResult>(SELF, [
      '--child-case',
      c.name,
      '--runs',
      String(args.runs),
      '--set',
      args.set,
    ]);
    results.push(run.ok ? run.value : crashedCase(c, run.reason));
    if (!args.json) process.stderr.write(`.${run.ok ? '' : `[${c.name} crashed]`}`);
  }
  const latency: LatencyResult[] = [];
  for (const [tokens, runs] of args.latency ? LATENCY_SIZES : []) {
    const run = await runIsolated<LatencyResult>(SELF, ['--child-latency', String(tokens)]);
    latency.push(run.ok ? run.value : crashedLatency(tokens, runs, run.reason));
    if (!args.json) process.stderr.write('.');
  }
  if (!args.json) process.stderr.write('\n');

  if (args.json) {
    const report = {
      model: MODEL,
      set: args.set,
      runs: args.runs,
      cases: results,
      perShape: totalsByShape(results),
      perKind: totalsByKind(results),
      targetMisses: Object.fromEntries(results.map((r) => [r.name, targetMisses(r)])),
      latency,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(renderReport(results, latency, args.runs, SET_LABELS[args.set]));
  }
  if (results.some(failed) || latency.some((l) => l.crashed !== undefined)) process.exitCode = 1;
}

const SET_LABELS: Readonly<Record<CaseSet, string>> = {
  corpus: 'Tuning corpus',
  heldout: 'Held-out set',
  'heldout-2': 'Second held-out set',
  'heldout-3': 'Third held-out set',
};
const args = parseArgs(process.argv.slice(2));
const cases = await loadCases(CASE_SETS[args.set]);
if (args.childCase !== undefined || args.childLatency !== undefined) await runChild(args, cases);
else await runParent(args, cases);
