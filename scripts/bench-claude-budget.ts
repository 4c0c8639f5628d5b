/**
 * Claude budget mode measured on the real Claude Code: each case runs once with Claude Code talking to the
 * provider directly and once through `headroom wrap claude`, against the scripted provider of
 * scripts/agents/fake-provider.ts (its count_tokens counts like the real API, about 3 characters a token,
 * so Claude Code cuts big Reads as it really does).
 *
 * The provider plays a persistent model: it makes the case's tool call, then keeps reading (the next page
 * Claude Code or headroom offers, the file a `<persisted-output>` preview names, the original a headroom
 * marker names) until it has seen every needle or nothing is left to open. Reported per case and mode:
 * tool-result characters and tokens the model was shown over the session, needles shown, turns (model
 * calls), and the largest single tool result (tokens for Reads, characters for Bash) against Claude
 * Code's own budget (25,000 tokens, 30,000 characters).
 *
 * Exits 1 when `wrap` shows fewer needles than Claude Code alone, shows more characters without showing
 * more needles, or sends a result over Claude Code's budget.
 *
 * Usage: tsx scripts/bench-claude-budget.ts [--json] [--only name,name]
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { tokenCounter } from '../src/tokens/count.js';
import { ensureBuilt } from '../test/helpers/cli.js';
import { type Json, startFakeProvider, type ToolPlan } from './agents/fake-provider.js';

const MAIN = path.resolve(import.meta.dirname, '..');
const CORPUS = path.join(MAIN, 'test/fixtures/corpus');
const CLAUDE = path.join(MAIN, 'node_modules/.bin/claude');
const SCRATCH = '/tmp/headroom-claude-budget';
const MAX_TURNS = 12;
const READ_BUDGET = 25_000;
const BASH_BUDGET = 30_000;

interface BenchCase {
  readonly name: string;
  readonly label: string;
  readonly tool: 'Read' | 'Bash';
  /** File in SCRATCH the call reads or cats. */
  readonly file: string;
  readonly question: string;
  readonly needles: readonly string[];
}

const CASES: readonly BenchCase[] = [
  {
    name: 'read-json',
    label: 'Read: `npm query` JSON (247 KB)',
    tool: 'Read',
    file: 'installed.json',
    question: 'License audit: which installed packages are under MPL-2.0 or the Unlicense?',
    needles: ['MPL-2.0', 'lightningcss-linux-x64-gnu', 'Unlicense', 'fast-sha256'],
  },
  {
    name: 'read-log',
    label: 'Read: apt term.log (176 KB)',
    tool: 'Read',
    file: 'term.log',
    question: 'Did anything go wrong while polkitd and packagekit were being set up?',
    needles: [
      'start-stop-daemon: unable to stat /usr/libexec/polkitd (No such file or directory)',
      'Failed to open connection to "system" message bus',
    ],
  },
  {
    name: 'read-source',
    label: 'Read: zod schemas.ts (107 KB)',
    tool: 'Read',
    file: 'schemas.ts',
    question: 'Which pattern does zod v4 use by default for $ZodEmail?',
    needles: [
      'export const $ZodEmail = /*@__PURE__*/ core.$constructor("$ZodEmail", (inst, def) => {',
      'def.pattern ?? (def.pattern = regexes.email);',
    ],
  },
  {
    name: 'bash-test-run',
    label: 'Bash: failing vitest run (39 KB)',
    tool: 'Bash',
    file: 'vitest-run.txt',
    question: 'Which test fails, and what does the assertion say?',
    needles: [
      '× test/versions.test.ts > sortVersions > sorts prereleases before their release',
      "AssertionError: expected [ '3.9.1', '4.0.0', …(2) ] to deeply equal [ '3.9.1', '4.0.0-beta.3', …(2) ]",
      '❯ test/versions.test.ts:22:76',
      'Tests  1 failed | 395 passed (396)',
    ],
  },
  {
    name: 'bash-build-log',
    label: 'Bash: `tsc` build log (217 KB)',
    tool: 'Bash',
    file: 'tsc-errors.txt',
    question:
      'I turned on verbatimModuleSyntax (the TS1484 type-only import errors are expected) and edited src/core/pagination.ts, src/core/streaming.ts and src/resources/files.ts. Which type errors did my edits introduce?',
    needles: [
      "src/core/pagination.ts(334,3): error TS2322: Type 'string | undefined' is not assignable to type 'number'.",
      "src/core/streaming.ts(380,10): error TS2339: Property 'abort' does not exist on type 'Stream<unknown>'.",
      'src/resources/files.ts(277,14): error TS2820',
    ],
  },
  {
    name: 'bash-api-dump',
    label: 'Bash: `npm query` API dump (340 KB)',
    tool: 'Bash',
    file: 'npm-query-installed.txt',
    question: 'License audit: which installed packages are under MPL-2.0 or the Unlicense?',
    needles: ['MPL-2.0', 'lightningcss-linux-x64-gnu', 'Unlicense', 'fast-sha256'],
  },
];

/** The corpus files under the names the cases use; the JSON Read is cut under Claude Code's 256 KB byte cap. */
async function prepare(): Promise<void> {
  await rm(SCRATCH, { recursive: true, force: true });
  await mkdir(SCRATCH, { recursive: true });
  const copy = async (from: string, to: string) =>
    writeFile(path.join(SCRATCH, to), await readFile(path.join(CORPUS, from), 'utf8'));
  await copy('apt-term-log.txt', 'term.log');
  await copy('source-zod-schemas.txt', 'schemas.ts');
  await copy('vitest-run.txt', 'vitest-run.txt');
  await copy('tsc-errors.txt', 'tsc-errors.txt');
  await copy('npm-query-installed.txt', 'npm-query-installed.txt');
  const items = JSON.parse(await readFile(path.join(CORPUS, 'npm-query-installed.txt'), 'utf8')) as Json[];
  let kept = items;
  while (Buffer.byteLength(JSON.stringify(kept, null, 2)) > 250 * 1024) {
    // Drop from the front, where no needle is, until the file fits Read's byte cap.
    const needed = (i: Json) => /MPL-2.0|Unlicense/.test(String(i.license));
    const cut = kept.findIndex((i) => !needed(i));
    kept = kept.filter((_, k) => k !== cut);
  }
  await writeFile(path.join(SCRATCH, 'installed.json'), `${JSON.stringify(kept, null, 2)}\n`);
}

function toolResults(body: Json): string[] {
  const out: string[] = [];
  for (const message of (body.messages as Json[]) ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content as Json[]) {
      if (block.type !== 'tool_result') continue;
      if (typeof block.content === 'string') out.push(block.content);
      else if (Array.isArray(block.content))
        out.push((block.content as Json[]).map((p) => (typeof p.text === 'string' ? p.text : '')).join(''));
    }
  }
  return out;
}

function lastCall(body: Json): ToolPlan | undefined {
  let call: ToolPlan | undefined;
  for (const message of (body.messages as Json[]) ?? []) {
    if (message.role !== 'assistant' || !Array.isArray(message.content)) continue;
    for (const block of message.content as Json[])
      if (block.type === 'tool_use') call = { name: String(block.name), input: block.input as Json };
  }
  return call;
}

/** A model that keeps reading until it has seen every needle, as a careful agent would. */
function persistentModel(needles: readonly string[]) {
  const opened = new Set<string>();
  return (body: Json): ToolPlan | undefined => {
    const results = toolResults(body);
    const seen = results.join('\n');
    if (needles.every((n) => seen.includes(n)) || results.length >= MAX_TURNS) return undefined;
    const last = results.at(-1) ?? '';
    const call = lastCall(body);
    const page = /Call Read with offset=(\d+) limit=(\d+)/.exec(last);
    if (page && call?.name === 'Read') {
      return {
        name: 'Read',
        input: { file_path: call.input.file_path, offset: Number(page[1]), limit: Number(page[2]) },
      };
    }
    for (const pattern of [/Full output saved to: (\S+)/, /full output: (\S+\.txt)\]/]) {
      const file = pattern.exec(last)?.[1];
      if (file !== undefined && !opened.has(file)) {
        opened.add(file);
        return { name: 'Read', input: { file_path: file } };
      }
    }
    return undefined;
  };
}

interface Run {
  readonly chars: number;
  readonly tokens: number;
  readonly needles: number;
  readonly turns: number;
  /** Largest single tool result: tokens for a Read, characters for Bash. */
  readonly largest: number;
  readonly ok: boolean;
}

async function runOnce(c: BenchCase, mode: 'direct' | 'wrap', count: (t: string) => number): Promise<Run> {
  const fake = await startFakeProvider();
  const home = path.join(SCRATCH, `home-${c.name}-${mode}`);
  await mkdir(home, { recursive: true });
  const file = path.join(SCRATCH, c.file);
  const first: ToolPlan =
    c.tool === 'Read'
      ? { name: 'Read', input: { file_path: file } }
      : { name: 'Bash', input: { command: `cat ${file}` } };
  fake.plan(first, persistentModel(c.needles));
  const env: Record<string, string> = {
    PATH: [path.dirname(CLAUDE), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    HOME: home,
    HEADROOM_HOME: path.join(home, 'headroom'),
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${fake.port}`,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    IS_SANDBOX: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  const claudeArgs = ['-p', c.question, '--output-format', 'json', '--dangerously-skip-permissions'];
  const [command, args] =
    mode === 'direct'
      ? [CLAUDE, claudeArgs]
      : [
          process.execPath,
          [path.join(MAIN, 'bin/headroom.js'), 'wrap', '--no-summary', 'claude', ...claudeArgs],
        ];
  try {
    const result = await execa(command, args, {
      cwd: SCRATCH,
      env,
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
      timeout: 300_000,
    });
    const calls = fake.requests
      .filter((r) => r.method === 'POST' && r.url.split('?')[0] === '/v1/messages')
      .map((r) => JSON.parse(r.raw) as Json)
      .filter((b) => Array.isArray(b.tools) && b.tools.length > 0);
    const results = toolResults(calls.at(-1) ?? {});
    const seen = results.join('\n');
    const sizes = results.map((r) => (c.tool === 'Read' ? count(r) : r.length));
    return {
      chars: results.reduce((n, r) => n + r.length, 0),
      tokens: results.reduce((n, r) => n + count(r), 0),
      needles: c.needles.filter((n) => seen.includes(n)).length,
      turns: calls.length,
      largest: Math.max(0, ...sizes),
      ok: result.exitCode === 0,
    };
  } finally {
    await fake.stop();
  }
}

const int = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const i = process.argv.indexOf('--only');
  const only = i >= 0 ? new Set((process.argv[i + 1] ?? '').split(',')) : undefined;
  await ensureBuilt();
  await prepare();
  const count = await tokenCounter('claude-sonnet-4-6');
  const rows: { c: BenchCase; direct: Run; wrap: Run }[] = [];
  const problems: string[] = [];
  for (const c of CASES) {
    if (only && !only.has(c.name)) continue;
    const direct = await runOnce(c, 'direct', count);
    const wrap = await runOnce(c, 'wrap', count);
    rows.push({ c, direct, wrap });
    const budget = c.tool === 'Read' ? READ_BUDGET : BASH_BUDGET;
    if (!direct.ok || !wrap.ok) problems.push(`${c.name}: an agent run failed`);
    if (wrap.needles < direct.needles)
      problems.push(`${c.name}: wrap shows fewer needles than Claude Code alone`);
    if (wrap.chars > direct.chars && wrap.needles <= direct.needles)
      problems.push(`${c.name}: wrap shows more characters than Claude Code alone, and no more needles`);
    if (wrap.largest > budget)
      problems.push(`${c.name}: a result went over Claude Code's budget (${wrap.largest})`);
    if (!json) process.stderr.write(`${c.name}: done\n`);
  }
  await rm(SCRATCH, { recursive: true, force: true });
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        rows.map((r) => ({ name: r.c.name, direct: r.direct, wrap: r.wrap })),
        null,
        2,
      )}\n`,
    );
  } else {
    const cell = (r: Run, n: number) =>
      `${int(r.chars)} chars, ${int(r.tokens)} tok, ${r.needles}/${n}, ${r.turns} turns`;
    const lines = [
      '| case | Claude Code alone: chars, tokens, needles, turns | `wrap claude`: chars, tokens, needles, turns | largest result via `wrap` |',
      '| --- | --- | --- | --- |',
      ...rows.map(
        ({ c, direct, wrap }) =>
          `| ${c.label} | ${cell(direct, c.needles.length)} | ${cell(wrap, c.needles.length)} | ${int(wrap.largest)} ${c.tool === 'Read' ? 'tok' : 'chars'} |`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

await main();
