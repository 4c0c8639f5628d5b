/**
 * Cold-start benchmark of the CLI users run (`node bin/headroom.js` on its bundle, dist/bundle/), against node's
 * own start (`node -e 0`) in the same run. Targets (issue 13): `compress` of a small file ≤ 2.5× node's
 * start; `wrap` starts the agent within 300 ms of launch beyond node's start.
 *
 *   npm run bench:startup          # 20 runs each
 *   BENCH_QUICK=1 npm run bench:startup
 *
 * `wrap claude` runs a stand-in `claude` (a shell script, so it adds no start of its own) that writes the
 * wall-clock time it started and exits; its agent-start delay is that time minus the launch time. The
 * stand-in never makes a request, and the upstream is a closed loopback port.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'headroom.js');
const RUNS = process.env.BENCH_QUICK === '1' ? 8 : 20;

/** A test runner's output cut to 3 KB: above the compression threshold, so `compress` does its full work. */
function smallLog(): string {
  const lines = ['> app@1.0.0 test', '> vitest run', ''];
  for (let i = 0; lines.join('\n').length < 3072; i++)
    lines.push(` ✓ src/module-${i}.test.ts > handles case ${i} (${(i * 37) % 90} ms)`);
  return `${lines.join('\n').slice(0, 3071)}\n`;
}

const print = (line: string) => process.stdout.write(`${line}\n`);
const now = () => performance.timeOrigin + performance.now();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Wall time of one run of a command to its exit, in ms. */
function runOnce(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = now();
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(now() - start) : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
}

async function timeRuns(args: string[], env: NodeJS.ProcessEnv): Promise<number[]> {
  await runOnce(args, env); // warm the file cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await runOnce(args, env));
  return times;
}

/** A `claude` on PATH that records when it started, then exits. */
const STAND_IN = `#!/bin/sh
if [ "$1" = "--version" ]; then echo "claude 9.9.9 (stand-in)"; exit 0; fi
date +%s%N > "$STANDIN_STARTED"
`;

/** ms from launching `headroom wrap claude` to the agent's first instruction. */
async function agentStartDelay(env: NodeJS.ProcessEnv, started: string): Promise<number> {
  await rm(started, { force: true });
  const launched = now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'wrap', '--no-summary', 'claude'], { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`wrap exited ${code}`))));
  });
  return Number(BigInt((await readFile(started, 'utf8')).trim()) / 1000n) / 1000 - launched;
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist', 'bundle', 'cli.js'))) {
    process.stderr.write('dist/ is missing: run `npm run build` first (`npm run bench:startup` does).\n');
    process.exit(1);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'hr-bench-startup-'));
  try {
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'claude'), STAND_IN);
    await chmod(path.join(bin, 'claude'), 0o755);
    const small = path.join(dir, 'small.log');
    await writeFile(small, smallLog());
    const tiny = path.join(dir, 'tiny.log');
    await writeFile(tiny, 'total 0\n');
    const started = path.join(dir, 'started');
    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: path.join(dir, 'home'),
      HEADROOM_HOME: path.join(dir, 'headroom'),
      CLAUDE_CONFIG_DIR: path.join(dir, 'claude'),
      // Port 9 (discard) on loopback: nothing listens, and the stand-in sends nothing anyway.
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      STANDIN_STARTED: started,
      CI: 'true',
    };
    const tokens = spawnSync(process.execPath, [BIN, 'compress', small, '--json'], { env, encoding: 'utf8' });
    const before = (JSON.parse(tokens.stdout) as { tokensBefore: number }).tokensBefore;

    const nodeStart = median(await timeRuns(['-e', '0'], env));
    const rows: [string, number][] = [
      ['node -e 0', nodeStart],
      ['headroom --version', median(await timeRuns([BIN, '--version'], env))],
      [
        `headroom compress <3 KB log, ${before} tokens>`,
        median(await timeRuns([BIN, 'compress', small], env)),
      ],
      ['headroom compress <8-byte output>', median(await timeRuns([BIN, 'compress', tiny], env))],
    ];
    await agentStartDelay(env, started); // warm
    const delays: number[] = [];
    for (let i = 0; i < RUNS; i++) delays.push(await agentStartDelay(env, started));
    const delay = median(delays);

    print(
      `CLI cold start, median of ${RUNS} runs (node ${process.version}, dist/bundle/ via bin/headroom.js)\n`,
    );
    for (const [name, ms] of rows)
      print(`${name.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / nodeStart).toFixed(2)}× node`);
    print(
      `${'wrap claude: launch → agent starts'.padEnd(44)} ${delay.toFixed(0).padStart(6)} ms   ` +
        `${(delay / nodeStart).toFixed(2)}× node, ${(delay - nodeStart).toFixed(0)} ms beyond node's start (target ≤ 300)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
