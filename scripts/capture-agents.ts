/**
 * Captures real agent traffic as fixtures in test/fixtures/agents/.
 *
 * Runs the installed Claude Code and Codex CLIs offline against a scripted provider on 127.0.0.1
 * (scripts/agents/fake-provider.ts). The provider answers each run's first turn with one tool call (a
 * Claude `Read`/`Bash`, a Codex `exec_command`) and the next with a final text; the tool output the agent
 * sends back is saved byte for byte, exactly as a proxy would see it. Codex cases run twice: with
 * `-c tool_output_token_limit=200000` (the whole output, what `headroom wrap codex` lets through) and with
 * Codex's default limit (what Codex alone sends). The first request bodies of each agent are saved too,
 * for the proxy's replay tests. After writing, every needle of cases.json is checked against the capture.
 *
 * Usage: tsx scripts/capture-agents.ts [--only name,name]   capture (all, or the named cases)
 *        tsx scripts/capture-agents.ts --cases-only          rewrite cases.json from the recipes, check needles
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { offlineCodexHome } from '../test/helpers/real-agents.js';
import { type FakeProvider, type RecordedRequest, startFakeProvider } from './agents/fake-provider.js';
import { writeMonorepo } from './agents/monorepo.js';
import { type AgentCase, type CaptureRecipe, caseOf, FILES, RECIPES, SCRATCH } from './agents/recipes.js';
import { writeTscProject } from './corpus/tsc-project.js';

const MAIN = path.resolve(import.meta.dirname, '..');
const OUT = path.join(MAIN, 'test/fixtures/agents');
const BIN = path.join(MAIN, 'node_modules/.bin');
const AGENT_TIMEOUT_MS = 180_000;

/** What every agent and the commands it runs see: a fixed locale and time zone, a private home. */
const BASE_ENV: Record<string, string> = {
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  HOME: path.join(SCRATCH, 'home'),
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
};

type Json = Record<string, unknown>;

function bodies(fake: FakeProvider, route: string): Json[] {
  return fake.requests
    .filter((r: RecordedRequest) => r.method === 'POST' && r.url.split('?')[0] === route)
    .map((r) => JSON.parse(r.raw) as Json)
    .filter((b) => Array.isArray(b.tools) && b.tools.length > 0);
}

/** The tool result Claude Code sent back, from the request that carries it. */
function claudeToolResult(request: Json): string {
  const messages = request.messages as Json[];
  const last = messages.at(-1)?.content as Json[];
  const block = last.find((b) => b.type === 'tool_result');
  if (!block) throw new Error('no tool_result in the last user message');
  if (typeof block.content === 'string') return block.content;
  const parts = block.content as Json[];
  if (parts.length === 1 && typeof parts[0]?.text === 'string') return parts[0].text;
  throw new Error(`unexpected tool_result content: ${JSON.stringify(block.content).slice(0, 200)}`);
}

/** Codex's command outputs in a request, oldest first (more than one when the model polled a running command). */
function codexToolOutputs(request: Json): string[] {
  const items = (request.input as Json[]).filter((i) => i.type === 'function_call_output');
  if (items.length === 0) throw new Error('no function_call_output in the request');
  return items.map((item) => {
    if (typeof item.output !== 'string') throw new Error('function_call_output is not a string');
    return item.output;
  });
}

async function runClaude(fake: FakeProvider, recipe: CaptureRecipe, cwd: string): Promise<Json[]> {
  fake.plan({ name: recipe.tool, input: recipe.input });
  const result = await execa(
    path.join(BIN, 'claude'),
    ['-p', recipe.question, '--output-format', 'json', '--dangerously-skip-permissions'],
    {
      cwd,
      env: {
        ...BASE_ENV,
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${fake.port}`,
        ANTHROPIC_API_KEY: 'sk-ant-test',
        IS_SANDBOX: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
      stdin: 'ignore',
      reject: false,
      timeout: AGENT_TIMEOUT_MS,
    },
  );
  if (result.exitCode !== 0)
    throw new Error(`claude exited ${result.exitCode}: ${result.stderr.slice(-2000)}`);
  return bodies(fake, '/v1/messages');
}

async function runCodex(
  fake: FakeProvider,
  recipe: CaptureRecipe,
  cwd: string,
  wholeOutput: boolean,
): Promise<Json[]> {
  fake.plan({ name: 'exec_command', input: recipe.input });
  const home = path.join(SCRATCH, 'codex-home');
  await rm(home, { recursive: true, force: true });
  await offlineCodexHome(home);
  const limit = wholeOutput ? ['-c', 'tool_output_token_limit=200000'] : [];
  // Codex gets its own pipes (execa's default): an inherited non-blocking stdio makes it panic.
  const result = await execa(
    path.join(BIN, 'codex'),
    [
      '-c',
      `openai_base_url="http://127.0.0.1:${fake.port}/v1"`,
      ...limit,
      'exec',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      '-m',
      'gpt-5',
      recipe.question,
    ],
    {
      cwd,
      env: { ...BASE_ENV, CODEX_HOME: home, OPENAI_API_KEY: 'sk-test' },
      stdin: 'ignore',
      reject: false,
      timeout: AGENT_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.exitCode !== 0)
    throw new Error(`codex exited ${result.exitCode}: ${result.stderr.slice(-2000)}`);
  return bodies(fake, '/v1/responses');
}

async function prepare(): Promise<void> {
  await rm(SCRATCH, { recursive: true, force: true });
  await mkdir(path.join(SCRATCH, 'home'), { recursive: true });
  await mkdir(path.join(SCRATCH, 'logs'), { recursive: true });
  await writeMonorepo(
    path.join(SCRATCH, 'monorepo'),
    path.join(MAIN, 'package-lock.json'),
    path.join(MAIN, 'node_modules'),
  );
  await mkdir(path.join(SCRATCH, 'tsc-project'));
  await writeTscProject(path.join(SCRATCH, 'tsc-project'), MAIN);
  await mkdir(FILES, { recursive: true });
  await writeFile(path.join(FILES, 'empty.log'), '');
  const lock = await readFile(path.join(MAIN, 'package-lock.json'), 'utf8');
  await writeFile(path.join(FILES, 'lock.min.json'), JSON.stringify(JSON.parse(lock)));
  // The logs Claude reads are written by real runs, as a user's CI or terminal would leave them.
  const env = { ...BASE_ENV, NO_COLOR: '1', FORCE_COLOR: '0' };
  await execa(
    'npx vitest run --reporter=verbose test/compare.test.ts > ../../../logs/core-compare.log 2>&1',
    {
      shell: '/bin/bash',
      cwd: path.join(SCRATCH, 'monorepo/packages/core'),
      env,
      reject: false,
    },
  );
}

function cwdOf(recipe: CaptureRecipe): string {
  return recipe.cwd === 'main' ? MAIN : path.join(SCRATCH, recipe.cwd);
}

function describeCapture(name: string, text: string): string {
  const tokens = countTokens(text, { disallowedSpecial: new Set() });
  return `${name.padEnd(36)} ${String(text.length).padStart(8)} chars ${String(tokens).padStart(7)} tok`;
}

function checkNeedles(c: AgentCase, text: string): string[] {
  return c.needles
    .filter((needle) => !text.includes(needle))
    .map((n) => `${c.name}: needle missing: ${JSON.stringify(n)}`);
}

async function save(file: string, text: string): Promise<void> {
  await writeFile(path.join(OUT, file), text);
}

/** Cases captured now replace their namesakes; the rest stay, in recipe order. */
async function merged(fresh: readonly AgentCase[]): Promise<AgentCase[]> {
  let old: AgentCase[] = [];
  try {
    old = JSON.parse(await readFile(path.join(OUT, 'cases.json'), 'utf8')) as AgentCase[];
  } catch {
    // First capture: nothing to keep.
  }
  const byName = new Map([...old, ...fresh].map((c) => [c.name, c]));
  return RECIPES.flatMap((r) => byName.get(r.name) ?? []);
}

/** Rewrites cases.json from the recipes over the captures already on disk, checking every needle. */
async function rewriteCases(): Promise<void> {
  const cases: AgentCase[] = [];
  const problems: string[] = [];
  for (const recipe of RECIPES) {
    const file = `${recipe.name}.txt`;
    const c = caseOf(recipe, file, recipe.agent === 'codex' ? `${recipe.name}.codex-default.txt` : undefined);
    const text = await readFile(path.join(OUT, file), 'utf8');
    process.stdout.write(`${describeCapture(file, text)}\n`);
    problems.push(...checkNeedles(c, text));
    cases.push(c);
  }
  await save('cases.json', `${JSON.stringify(cases, null, 2)}\n`);
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  if (process.argv.includes('--cases-only')) return rewriteCases();
  const i = process.argv.indexOf('--only');
  const only = i >= 0 ? new Set((process.argv[i + 1] ?? '').split(',')) : undefined;
  await prepare();
  await mkdir(path.join(OUT, 'requests'), { recursive: true });
  const fake = await startFakeProvider();
  const cases: AgentCase[] = [];
  const problems: string[] = [];
  let savedClaudeRequests = false;
  let savedCodexRequests = false;
  try {
    for (const recipe of RECIPES) {
      if (only && !only.has(recipe.name)) continue;
      const { name } = recipe;
      if (recipe.agent === 'claude') {
        const requests = await runClaude(fake, recipe, cwdOf(recipe));
        const last = requests.at(-1);
        if (!requests[0] || requests.length < 2 || !last)
          throw new Error(`${name}: expected two agent requests, got ${requests.length}`);
        const text = claudeToolResult(last);
        const file = `${name}.txt`;
        await save(file, text);
        process.stdout.write(`${describeCapture(file, text)}\n`);
        const c = caseOf(recipe, file);
        problems.push(...checkNeedles(c, text));
        cases.push(c);
        if (recipe.saveRequests && !savedClaudeRequests) {
          await save('requests/claude-first.json', `${JSON.stringify(requests[0], null, 2)}\n`);
          await save('requests/claude-tool-result.json', `${JSON.stringify(last, null, 2)}\n`);
          savedClaudeRequests = true;
        }
      } else {
        const whole = await runCodex(fake, recipe, cwdOf(recipe), true);
        const alone = await runCodex(fake, recipe, cwdOf(recipe), false);
        const wholeLast = whole.at(-1);
        const aloneLast = alone.at(-1);
        if (!whole[0] || !wholeLast || !aloneLast) throw new Error(`${name}: no agent requests`);
        const outputs = codexToolOutputs(wholeLast);
        const text = outputs.at(-1)!;
        const cut = codexToolOutputs(aloneLast).at(-1)!;
        const file = `${name}.txt`;
        const codexAloneFile = `${name}.codex-default.txt`;
        await save(file, text);
        await save(codexAloneFile, cut);
        // A command still running when Codex yields comes back as a header without output, polled later.
        if (outputs.length > 1) await save(`${name}.still-running.txt`, outputs[0]!);
        process.stdout.write(`${describeCapture(file, text)}\n${describeCapture(codexAloneFile, cut)}\n`);
        const c = caseOf(recipe, file, codexAloneFile);
        problems.push(...checkNeedles(c, text));
        cases.push(c);
        if (recipe.saveRequests && !savedCodexRequests) {
          await save('requests/codex-first.json', `${JSON.stringify(whole[0], null, 2)}\n`);
          await save('requests/codex-function-output.json', `${JSON.stringify(wholeLast, null, 2)}\n`);
          savedCodexRequests = true;
        }
      }
    }
  } finally {
    await fake.stop();
  }
  await save('cases.json', `${JSON.stringify(await merged(cases), null, 2)}\n`);
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

await main();
