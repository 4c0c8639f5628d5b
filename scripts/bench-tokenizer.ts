/**
 * Token counter benchmark: headroom's precompiled-table BPE counter (src/tokens/bpe-*.ts) against
 * gpt-tokenizer, whose counts it reproduces exactly (test/tokens/bpe-count.test.ts).
 *
 *   npm run bench:tokenizer
 *   BENCH_QUICK=1 npm run bench:tokenizer
 *
 * - Load: a fresh `node` per run imports the counter and counts one short string; ms from before the
 *   import to after the count, and the heap + external memory it leaves. The table is the one
 *   `npm run build` ships in dist/tokens/.
 * - Throughput: every corpus and held-out file, cut to 64 KB (count.ts samples anything longer), counted
 *   whole in MB/s of UTF-8. `first pass` is each counter's first sight of the texts (gpt-tokenizer keeps
 *   a 100K-entry cache of merged pieces, which later passes hit); `steady` is the median of later passes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countTokens as cl100kCount } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200kCount } from 'gpt-tokenizer/encoding/o200k_base';
import { bpeCounter } from '../src/tokens/bpe-count.js';
import { sourceIdentity } from '../src/tokens/bpe-source.js';
import { type BpeTable, decodeTable, type EncodingName } from '../src/tokens/bpe-table.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist', 'tokens');
const QUICK = process.env.BENCH_QUICK === '1';
const LOAD_RUNS = QUICK ? 5 : 15;
const PASSES = QUICK ? 3 : 7;
const MAX_TEXT = 64 * 1024;

const print = (line: string) => process.stdout.write(`${line}\n`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The body of a fresh process that loads one counter, counts once and reports time and memory. */
function loadScript(counter: 'table' | 'gpt-tokenizer', encoding: EncodingName): string {
  const url = (file: string) => JSON.stringify(pathToFileURL(path.join(DIST, file)).href);
  const load =
    counter === 'table'
      ? `const [{ loadBpeTable }, { bpeCounter }] = await Promise.all([import(${url('bpe-load.js')}), import(${url('bpe-count.js')})]);
         const { table, from } = await loadBpeTable('${encoding}');
         if (from !== 'shipped') throw new Error('no shipped table: run npm run build');
         const count = bpeCounter(table);`
      : `const { countTokens } = await import('gpt-tokenizer/encoding/${encoding}');
         const count = (text) => countTokens(text, { disallowedSpecial: new Set() });`;
  return `const before = process.memoryUsage();
    const start = performance.now();
    ${load}
    count('headroom counts tokens');
    const ms = performance.now() - start;
    const after = process.memoryUsage();
    const mb = (after.heapUsed + after.external - before.heapUsed - before.external) / 1048576;
    process.stdout.write(JSON.stringify({ ms, mb, rss: after.rss / 1048576 }));`;
}

function loadCost(counter: 'table' | 'gpt-tokenizer', encoding: EncodingName) {
  const runs: { ms: number; mb: number; rss: number }[] = [];
  for (let i = 0; i <= LOAD_RUNS; i++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', loadScript(counter, encoding)], {
      cwd: ROOT,
      encoding: 'utf8',
      // A state dir that cannot be created: only the shipped table can serve.
      env: { ...process.env, HEADROOM_HOME: '/dev/null/headroom' },
    });
    if (child.status !== 0) throw new Error(child.stderr);
    if (i > 0) runs.push(JSON.parse(child.stdout)); // the first run warms the file cache
  }
  return {
    ms: median(runs.map((r) => r.ms)),
    mb: median(runs.map((r) => r.mb)),
    rss: median(runs.map((r) => r.rss)),
  };
}

function shippedTable(encoding: EncodingName): BpeTable {
  const table = decodeTable(readFileSync(path.join(DIST, `${encoding}.bpe`)), {
    encoding,
    source: sourceIdentity(),
  });
  if (typeof table === 'string') throw new Error(`dist/tokens/${encoding}.bpe: ${table}`);
  return table;
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

function throughput(count: (text: string) => number, texts: string[], megabytes: number) {
  const rates: number[] = [];
  let tokens = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const start = performance.now();
    tokens = 0;
    for (const text of texts) tokens += count(text);
    rates.push(megabytes / ((performance.now() - start) / 1000));
  }
  return { first: rates[0] as number, steady: median(rates.slice(1)), tokens };
}

async function main(): Promise<void> {
  if (!existsSync(path.join(DIST, 'o200k_base.bpe'))) {
    process.stderr.write('dist/tokens/*.bpe is missing: run `npm run build` first.\n');
    process.exit(1);
  }
  const texts = corpusTexts();
  const megabytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / 1048576;
  print(
    `token counter benchmark (${QUICK ? 'quick' : 'full'}; Node ${process.version}; ${availableParallelism()} cores; load average ${loadavg()[0]?.toFixed(1)})\n`,
  );
  print(`load + first count, fresh node, median of ${LOAD_RUNS}`);
  print(`${''.padEnd(28)} ${'ms'.padStart(7)} ${'heap+ext MB'.padStart(12)} ${'RSS MB'.padStart(8)}`);
  for (const encoding of ['o200k_base', 'cl100k_base'] as const)
    for (const counter of ['gpt-tokenizer', 'table'] as const) {
      const { ms, mb, rss } = loadCost(counter, encoding);
      print(
        `${`${encoding} ${counter}`.padEnd(28)} ${ms.toFixed(1).padStart(7)} ${mb.toFixed(1).padStart(12)} ${rss.toFixed(0).padStart(8)}`,
      );
    }

  print(`\nthroughput on ${texts.length} corpus texts (${megabytes.toFixed(2)} MB), MB/s`);
  print(`${''.padEnd(28)} ${'first pass'.padStart(11)} ${`steady (${PASSES - 1})`.padStart(11)}`);
  const asText = { disallowedSpecial: new Set<string>() };
  const references = { o200k_base: o200kCount, cl100k_base: cl100kCount };
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    const reference = references[encoding];
    const table = bpeCounter(shippedTable(encoding));
    const ours = throughput(table, texts, megabytes);
    const theirs = throughput((text) => reference(text, asText), texts, megabytes);
    if (ours.tokens !== theirs.tokens)
      throw new Error(`${encoding}: ${ours.tokens} ≠ ${theirs.tokens} tokens`);
    for (const [name, r] of [
      ['gpt-tokenizer', theirs],
      ['table', ours],
    ] as const)
      print(
        `${`${encoding} ${name}`.padEnd(28)} ${r.first.toFixed(1).padStart(11)} ${r.steady.toFixed(1).padStart(11)}`,
      );
    print(
      `${`${encoding} table / gpt-tokenizer`.padEnd(28)} ${`${(ours.first / theirs.first).toFixed(2)}×`.padStart(11)} ${`${(ours.steady / theirs.steady).toFixed(2)}×`.padStart(11)}`,
    );
  }
}

await main();
