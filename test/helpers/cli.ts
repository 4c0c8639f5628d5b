/**
 * Running the real CLI in tests. Integration tests run `node bin/headroom.js`, which loads the CLI's
 * bundle in `dist/bundle/`: that is what users run, and it starts in a fraction of the time tsx needs.
 * `ensureBuilt()` rebuilds `dist/` (under a lock, so parallel test files build once) when any file in
 * `src/` is newer than the bundle (a fresh clone has no `dist/` until then; the bin runs `src/` through tsx meanwhile).
 * In-process tests call `run()` from src/cli/main.ts with `memoryContext()` instead.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { CliContext } from '../../src/cli/context.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'headroom.js');
const BUILT = path.join(ROOT, 'dist', 'bundle', 'cli.js');
const TABLE = path.join(ROOT, 'dist', 'tokens', 'o200k_base.bpe');
const LOCK = path.join(tmpdir(), `headroom-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, await newestSource(full));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, (await stat(full)).mtimeMs);
  }
  return newest;
}

async function isFresh(): Promise<boolean> {
  try {
    await stat(TABLE);
    return (await stat(BUILT)).mtimeMs >= (await newestSource(path.join(ROOT, 'src')));
  } catch {
    return false;
  }
}

export async function ensureBuilt(): Promise<void> {
  for (;;) {
    if (await isFresh()) return;
    try {
      await mkdir(LOCK);
    } catch {
      // Another test file is building; a lock older than two minutes belongs to a dead run.
      const age =
        Date.now() -
        (await stat(LOCK)
          .then((s) => s.mtimeMs)
          .catch(() => Date.now()));
      if (age > 120_000) await rm(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      // tsc emits even when other files have type errors; the build is for running, not checking.
      await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, reject: false });
      // The token tables `npm run build` ships with dist/ (src/tokens/bpe-load.ts).
      await execa('npx', ['tsx', 'scripts/build-bpe-tables.ts'], { cwd: ROOT });
      // Last, as in `npm run build`: the bundle's presence is what marks the build fresh.
      await execa('npx', ['tsx', 'scripts/bundle-cli.ts'], { cwd: ROOT });
    } finally {
      await rm(LOCK, { recursive: true, force: true });
    }
    return;
  }
}

/** The test process's environment without anything that would route or authenticate real traffic. */
export function cleanEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      value === undefined ||
      /^(ANTHROPIC_|OPENAI_|HEADROOM_|CODEX_|CLAUDE_|GEMINI_|GOOGLE_|QWEN_|OPENCODE_)/.test(key)
    )
      continue;
    if (/^(https?_proxy|no_proxy|FORCE_COLOR|NO_COLOR)$/i.test(key)) continue;
    env[key] = value;
  }
  env.CI = 'true';
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface CliRun {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/headroom.js …` to completion. */
export async function runCli(
  args: readonly string[],
  options: { env: Record<string, string>; input?: string; cwd?: string; timeout?: number },
): Promise<CliRun> {
  const result = await execa('node', [BIN, ...args], {
    env: options.env,
    extendEnv: false,
    reject: false,
    cwd: options.cwd ?? ROOT,
    timeout: options.timeout ?? 60_000,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/** A CLI context whose output is collected in memory; stdin carries `input` and is not a terminal. */
export function memoryContext(
  env: NodeJS.ProcessEnv,
  input: string | Uint8Array = '',
): {
  ctx: CliContext;
  stdout: () => string;
  /** Standard output as written, for checks of exact bytes. */
  stdoutBytes: () => Buffer;
  stderr: () => string;
} {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  return {
    ctx: { env, streams: { stdout: out, stderr: err }, stdin: Readable.from([Buffer.from(input)]) },
    stdout: () => Buffer.concat(chunks.out).toString('utf8'),
    stdoutBytes: () => Buffer.concat(chunks.out),
    stderr: () => Buffer.concat(chunks.err).toString('utf8'),
  };
}
