/**
 * Regenerates the benchmark corpus in test/fixtures/corpus/ from real tool runs on this machine.
 *
 * cases.json names each case's command; this script knows where each one runs. Every command (npm, tsc,
 * vitest, grep, git, find, ls, cat, dpkg-query) runs through bash with stderr merged into stdout, as an
 * agent's shell tool sees it, and its output is stored byte for byte. Commands that need a project (tsc,
 * vitest, git history, npm install) get one under a fixed scratch directory, so paths in the output are
 * the same on every run. Outputs that depend on the npm registry, the clock or file times can change
 * between runs; after writing, every needle of cases.json is checked against the new output and each
 * miss is reported (exit 1), so a drifted case is fixed before it is committed.
 *
 * Usage: tsx scripts/capture-corpus.ts [--only name,name]
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { CORPUS_DIR, type CorpusCase, loadCases } from './corpus/cases.js';
import { writeCommitHistory } from './corpus/commit-history.js';
import { writeTscProject } from './corpus/tsc-project.js';
import { writeVitestProject } from './corpus/vitest-project.js';

const MAIN = path.resolve(import.meta.dirname, '..');
const SCRATCH = '/tmp/headroom-corpus';
/** Past this a case is too big to commit comfortably; the capture fails so the command gets narrowed. */
const MAX_FILE_BYTES = 3 * 1024 * 1024;

/** The environment every command runs in: no colours, a fixed locale and time zone. */
const ENV: Record<string, string> = {
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
  COLUMNS: '120',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
};

interface Place {
  readonly cwd: string;
  /** Builds the scratch project the command runs in; the directory exists and is empty. */
  readonly setup?: (dir: string) => Promise<void>;
}

const scratch = (name: string): string => path.join(SCRATCH, name);

/** Where each case's command runs; cases not listed run in the repository root. */
const PLACES: Readonly<Record<string, Place>> = {
  'npm-view-typescript': { cwd: scratch('empty') },
  'npm-view-react': { cwd: scratch('empty') },
  'npm-install-log': {
    cwd: scratch('npm-install'),
    setup: (dir) =>
      writeFile(
        path.join(dir, 'package.json'),
        `${JSON.stringify({ name: 'lint-sandbox', version: '1.0.0', private: true }, null, 2)}\n`,
      ),
  },
  'tsc-errors': { cwd: scratch('tsc-project'), setup: (dir) => writeTscProject(dir, MAIN) },
  'vitest-run': { cwd: scratch('vitest-project'), setup: (dir) => writeVitestProject(dir, MAIN) },
  'git-log-commander': { cwd: scratch('commander-history'), setup: (dir) => writeCommitHistory(dir, ENV) },
};

/**
 * Cases captured by hand for issue 11 (scratch Python projects, SDK copies under `tsc`, public repository
 * snapshots, SQLite tables): test/fixtures/corpus/README.md says how each was made. This script cannot
 * rebuild their places, so it leaves their files alone rather than overwrite them with a wrong run.
 */
const HAND_CAPTURED = new Set([
  'pytest-v-failures',
  'du-usr-share',
  'tsc-mixed-codes',
  'yarn-lock-webpack',
  'package-lock-headroom',
  'sqlite-dump-packages',
  'git-blame-webpack',
  'minified-json-chalk',
  'minified-js-glob',
  'html-libxslt-transform',
  'csv-webpack-numstat',
  'git-show-webpack-refactor',
]);

async function capture(c: CorpusCase): Promise<string> {
  const place = PLACES[c.name] ?? { cwd: MAIN };
  if (place.cwd.startsWith(SCRATCH)) {
    await rm(place.cwd, { recursive: true, force: true });
    await mkdir(place.cwd, { recursive: true });
    await place.setup?.(place.cwd);
  }
  const result = await execa(`${c.command} 2>&1`, {
    shell: '/bin/bash',
    cwd: place.cwd,
    env: ENV,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  return result.stdout;
}

function onlyNames(argv: readonly string[]): Set<string> | undefined {
  const i = argv.indexOf('--only');
  const value = i >= 0 ? argv[i + 1] : undefined;
  return value === undefined ? undefined : new Set(value.split(','));
}

async function main(): Promise<void> {
  const only = onlyNames(process.argv.slice(2));
  const cases = await loadCases();
  let problems = 0;
  for (const c of cases) {
    if (only && !only.has(c.name)) continue;
    if (HAND_CAPTURED.has(c.name)) {
      process.stdout.write(`${c.name.padEnd(26)} captured by hand (see the corpus README), left as it is\n`);
      continue;
    }
    const output = await capture(c);
    const bytes = Buffer.byteLength(output);
    if (bytes > MAX_FILE_BYTES) {
      process.stderr.write(`${c.name}: ${bytes} bytes is over the ${MAX_FILE_BYTES}-byte limit\n`);
      problems += 1;
      continue;
    }
    await writeFile(path.join(CORPUS_DIR, c.file), output);
    const tokens = countTokens(output, { disallowedSpecial: new Set() });
    process.stdout.write(
      `${c.name.padEnd(26)} ${String(bytes).padStart(9)} B ${String(tokens).padStart(8)} tok\n`,
    );
    for (const needle of c.needles.filter((n) => !output.includes(n))) {
      process.stderr.write(`  needle no longer in output: ${JSON.stringify(needle)}\n`);
      problems += 1;
    }
  }
  const files = new Set(cases.map((c) => c.file));
  for (const file of await readdir(CORPUS_DIR)) {
    if (file.endsWith('.txt') && !files.has(file)) process.stderr.write(`stale corpus file: ${file}\n`);
  }
  if (problems > 0) process.exitCode = 1;
}

await main();
