/**
 * Token counter benchmark: headroom's precompiled-table BPE counter (src/tokens/bpe-*.ts) against
 * gpt-tokenizer, whose counts it reproduces exactly (test/tokens/bpe-count.test.ts).
 *
 *   npm run bench:tokenizer
 *   BENCH_QUICK=1 npm run bench:tokenizer
 *
 * Each run is a fresh `node` (the two counters alternate, so load on this shared machine hits both):
 * - Load: import the counter and count one short string; ms from before the import to after the count,
 *   and the heap + external memory it leaves. The table is the one `npm run build` ships in dist/tokens/.
 * - Throughput: then every corpus and held-out file, cut to 64 KB (count.ts samples anything longer),
 *   counted whole, in MB/s of UTF-8. `1st pass` is the counter's first sight of the texts, with V8 still
 *   optimising and its memo of pieces empty (gpt-tokenizer keeps 100K merged pieces, the table counter
 *   16K short pieces); `steady` is the median of the later passes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EncodingName } from '../src/tokens/bpe-table.js';
import { median } from './bench/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist', 'tokens');
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 5 : 11;
const PASSES = QUICK ? 3 : 6;
const MAX_TEXT = 64 * 1024;

const print = (line: string) => process.stdout.write(`${line}\n`);

type Counter = 'table' | 'gpt-tokenizer';

/**
 * The body of a fresh process that loads one counter and counts one short string (timed, with the memory
 * it leaves), then counts the texts listed in $BENCH_TEXTS in passes and reports each pass's MB/s.
 */
function childScript(counter: Counter, encoding: EncodingName): string {
  const url = (file: string) => JSON.stringify(pathToFileURL(path.join(DIST, file)).href);
  const load =
    counter === 'table'
      ? `const [{ loadBpeTable }, { bpeCounter }] = await Promise.all([import(${url('bpe-load.js')}), import(${url('bpe-count.js')})]);
         const { table, from } = await loadBpeTable('${encoding}');
         if (from !== 'shipped') throw new Error('no shipped table: run npm run build');
         const count = bpeCounter(table);`
      : `const { countTokens } = await import('gpt-tokenizer/encoding/${encoding}');
         const count = (text) => countTokens(text, { disallowedSpecial: new Set() });`;
  return `import { readFileSync } from 'node:fs';
    const before = process.memoryUsage();
    const start = performance.now();
    ${load}
    count('headroom counts tokens');
    const ms = performance.now() - start;
    const after = process.memoryUsage();
    const mb = (after.heapUsed + after.external - before.heapUsed - before.external) / 1048576;
    const texts = JSON.parse(readFileSync(process.env.BENCH_TEXTS, 'utf8'));
    const megabytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / 1048576;
    const rates = [];
    let tokens = 0;
    for (let pass = 0; pass < ${PASSES}; pass++) {
      const began = performance.now();
      tokens = 0;
      for (const text of texts) tokens += count(text);
      rates.push(megabytes / ((performance.now() - began) / 1000));
    }
    process.stdout.write(JSON.stringify({ ms, mb, rss: after.rss / 1048576, rates, tokens }));`;
}

interface ChildRun {
  ms: number;
  mb: number;
  rss: number;
  rates: number[];
  tokens: number;
}

function runChild(counter: Counter, encoding: EncodingName, textsFile: string): ChildRun {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', childScript(counter, encoding)], {
    cwd: ROOT,
    encoding: 'utf8',
    // A state dir that cannot be created: only the shipped table can serve.
    env: { ...process.env, HEADROOM_HOME: '/dev/null/headroom', BENCH_TEXTS: textsFile },
  });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as ChildRun;
}

function corpusTexts(): string[] {
  const texts: string[] = [];
  for (const dir of ['corpus', 'heldout']) {
    const full = path.join(ROOT, 'test', 'fixtures', dir);
    for (const name of readdirSync(full).sort())
      texts.push(readFileSync(path.join(full, name), 'utf8').slice(0, MAX_TEXT));
  }
  return texts;
}

async function main(): Promise<void> {
  if (!existsSync(path.join(DIST, 'o200k_base.bpe'))) {
    process.stderr.write('dist/tokens/*.bpe is missing: run `npm run build` first.\n');
    process.exit(1);
  }
  const texts = corpusTexts();
  const megabytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / 1048576;
  const dir = await mkdtemp(path.join(tmpdir(), 'hr-bench-tokenizer-'));
  const textsFile = path.join(dir, 'texts.json');
  await writeFile(textsFile, JSON.stringify(texts));
  try {
    print(
      `token counter benchmark (${QUICK ? 'quick' : 'full'}; Node ${process.version}; ${availableParallelism()} cores; load average ${loadavg()[0]?.toFixed(1)})\n`,
    );
    print(`each run a fresh node; medians of ${RUNS} runs, the two counters alternating`);
    print(
      `throughput: ${texts.length} corpus and held-out texts cut to 64 KB (${megabytes.toFixed(2)} MB)\n`,
    );
    print(
      `${''.padEnd(26)} ${'load ms'.padStart(8)} ${'heap+ext MB'.padStart(12)} ${'RSS MB'.padStart(7)} ${'1st pass MB/s'.padStart(14)} ${'steady MB/s'.padStart(12)}`,
    );
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      const runs: Record<Counter, ChildRun[]> = { 'gpt-tokenizer': [], table: [] };
      for (let i = 0; i <= RUNS; i++)
        for (const counter of ['gpt-tokenizer', 'table'] as const) {
          const run = runChild(counter, encoding, textsFile);
          if (i > 0) runs[counter].push(run); // the first round warms the file cache
        }
      const [theirs, ours] = [runs['gpt-tokenizer'], runs.table];
      if (ours[0]?.tokens !== theirs[0]?.tokens)
        throw new Error(`${encoding}: ${ours[0]?.tokens} ≠ ${theirs[0]?.tokens} tokens`);
      const summary = (list: ChildRun[]) => ({
        ms: median(list.map((r) => r.ms)),
        mb: median(list.map((r) => r.mb)),
        rss: median(list.map((r) => r.rss)),
        first: median(list.map((r) => r.rates[0] as number)),
        steady: median(list.map((r) => median(r.rates.slice(1)))),
      });
      const [a, b] = [summary(theirs), summary(ours)];
      for (const [name, r] of [
        ['gpt-tokenizer', a],
        ['table', b],
      ] as const)
        print(
          `${`${encoding} ${name}`.padEnd(26)} ${r.ms.toFixed(1).padStart(8)} ${r.mb.toFixed(1).padStart(12)} ${r.rss.toFixed(0).padStart(7)} ${r.first.toFixed(1).padStart(14)} ${r.steady.toFixed(1).padStart(12)}`,
        );
      print(
        `${`${encoding} table ÷ gpt-tok.`.padEnd(26)} ${`${(b.ms / a.ms).toFixed(2)}×`.padStart(8)} ${`${(b.mb / a.mb).toFixed(2)}×`.padStart(12)} ${`${(b.rss / a.rss).toFixed(2)}×`.padStart(7)} ${`${(b.first / a.first).toFixed(2)}×`.padStart(14)} ${`${(b.steady / a.steady).toFixed(2)}×`.padStart(12)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
