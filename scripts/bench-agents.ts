/**
 * Benchmark on real agent traffic (test/fixtures/agents, captured by scripts/capture-agents.ts).
 *
 * Each case's tool output goes back into the request its agent really sends (Claude Code: an Anthropic
 * `tool_result`; Codex: a Responses `function_call_output`) and through `compressMessages`; Codex cases
 * with `toolOutputBudget: 10000`, the characters Codex keeps by itself. Reported per case: tokens of the
 * tool output before and after, savings, needles kept (each needle's whole original line must come out
 * byte for byte, with its line number where the output is line-numbered) and compression time. Then the
 * Codex table: what Codex alone sends (its default-limit capture) against headroom's budget mode (the
 * whole output, compressed to the budget), in tokens sent and needles kept. Then the chat-completions
 * agents: every shell case's output (and a 5,000-line failing test log) as Qwen Code's shell result and as
 * opencode's raw `bash` result, each held to what that agent keeps by itself (25,000 and 51,200).
 *
 * Then the Gemini CLI table (scripts/bench/gemini-shell.ts): the same shell outputs in Gemini CLI's
 * envelope, alone, over its own cut, and in budget mode.
 *
 * Exits 1 when a needle is lost (in budget mode, for Gemini CLI) or a shell output goes over its budget.
 *
 * Usage: tsx scripts/bench-agents.ts [--json] [--only name,name]
 */
import { performance } from 'node:perf_hooks';
import { compressMessages } from '../src/compress/compress.js';
import type { CompressOptions } from '../src/compress/options.js';
import { tokenCounter } from '../src/tokens/count.js';
import { type AgentCase, loadAgentCases, readAgentFixture } from '../test/helpers/agent-cases.js';
import { agentRequest, needleKept, toolOutputOf } from '../test/helpers/agent-messages.js';
import { LONG_LOG_ASSERTION, longFailingLog } from '../test/helpers/outputs.js';
import { GEMINI_BUDGET, type GeminiRow, geminiRow } from './bench/gemini-shell.js';
import { openAIConversation, openAIToolOutput, qwenShellText } from './bench/messages.js';

/** What Codex keeps of one command's output by itself, in characters; headroom's budget matches it. */
const CODEX_BUDGET = 10_000;
/** What Qwen Code (characters) and opencode (bytes) keep of one shell output by themselves. */
const QWEN_BUDGET = 25_000;
const OPENCODE_BUDGET = 51_200;
const RUNS = 3;

interface CaseRow {
  readonly name: string;
  readonly shape: string;
  readonly action: string;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly charsAfter: number;
  readonly needles: number;
  readonly kept: number;
  readonly lost: readonly string[];
  readonly ms: number;
}

interface CodexRow {
  readonly name: string;
  readonly tokensWhole: number;
  readonly aloneTokens: number;
  readonly aloneKept: number;
  readonly headroomTokens: number;
  readonly headroomChars: number;
  readonly headroomKept: number;
  readonly needles: number;
}

async function runCase(c: AgentCase): Promise<{ row: CaseRow; output: string }> {
  const original = readAgentFixture(c.file);
  const request = agentRequest(c, original);
  const options = {
    model: request.model,
    ...(c.agent === 'codex' ? { toolOutputBudget: CODEX_BUDGET } : {}),
  };
  let result = await compressMessages(request.messages, options);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    result = await compressMessages(request.messages, options);
    best = Math.min(best, performance.now() - start);
  }
  const block = result.blocks.find(
    (b) => b.location === 'tool_result' || b.location === 'function_call_output',
  );
  const output = toolOutputOf(c, result.messages);
  const lost = c.needles.filter((n) => !needleKept(original, output, n));
  return {
    output,
    row: {
      name: c.name,
      shape: c.shape,
      action: block?.action ?? 'none',
      tokensBefore: block?.tokensBefore ?? 0,
      tokensAfter: block?.tokensAfter ?? 0,
      charsAfter: output.length,
      needles: c.needles.length,
      kept: c.needles.length - lost.length,
      lost,
      ms: best,
    },
  };
}

function codexRow(c: AgentCase, row: CaseRow, output: string, count: (t: string) => number): CodexRow {
  const alone = readAgentFixture(c.codexAloneFile ?? c.file);
  return {
    name: c.name,
    tokensWhole: row.tokensBefore,
    aloneTokens: count(alone),
    aloneKept: c.needles.filter((n) => alone.includes(n)).length,
    headroomTokens: count(output),
    headroomChars: output.length,
    headroomKept: row.kept,
    needles: c.needles.length,
  };
}

/** A shell case's output without its agent's wrapping: what any agent's shell tool would have printed. */
function rawOutput(c: AgentCase): string | undefined {
  if (c.shape === 'claude-bash' && !c.file.includes('persisted')) return readAgentFixture(c.file);
  if (c.shape !== 'codex-exec') return undefined;
  const text = readAgentFixture(c.file);
  return text.slice(text.indexOf('\nOutput:\n') + '\nOutput:\n'.length);
}

interface ChatCase {
  readonly name: string;
  readonly question: string;
  readonly command: string;
  readonly output: string;
  readonly needles: readonly string[];
}

function chatCases(cases: readonly AgentCase[]): ChatCase[] {
  const out: ChatCase[] = cases.flatMap((c) => {
    const output = rawOutput(c);
    const command = String(c.call.input.command ?? c.call.input.cmd ?? '');
    if (output === undefined) return [];
    // Codex's header (its exit-code line) is not part of the output other agents would send.
    const needles = c.needles.filter((n) => output.includes(n));
    return [{ name: c.name, question: c.question, command, output, needles }];
  });
  out.push({
    name: 'long-failing-test-log',
    question: 'Run the tests and tell me which one fails and why.',
    command: 'npm test',
    output: longFailingLog(),
    needles: [LONG_LOG_ASSERTION],
  });
  return out;
}

/** One case as Qwen Code or opencode sends it, through `compressMessages` with that agent's budget. */
async function chatRow(c: ChatCase, agent: 'qwen' | 'opencode'): Promise<CaseRow> {
  const qwen = agent === 'qwen';
  const original = qwen ? qwenShellText(c.output, 1, c.command) : c.output;
  const messages = openAIConversation(c.question, c.command, original);
  const options: CompressOptions = qwen
    ? { model: 'gpt-5', toolOutputBudget: QWEN_BUDGET }
    : { model: 'gpt-5', toolOutputBudget: OPENCODE_BUDGET, shellTools: ['bash'] };
  const start = performance.now();
  const result = await compressMessages(messages, options);
  const ms = performance.now() - start;
  const output = openAIToolOutput(result.messages) ?? '';
  const block = result.blocks[0];
  const lost = c.needles.filter((n) => !needleKept(original, output, n));
  return {
    name: c.name,
    shape: qwen ? 'qwen-shell' : 'opencode-bash',
    action: block?.action ?? 'none',
    tokensBefore: block?.tokensBefore ?? 0,
    tokensAfter: block?.tokensAfter ?? 0,
    charsAfter: output.length,
    needles: c.needles.length,
    kept: c.needles.length - lost.length,
    lost,
    ms,
  };
}

const pct = (before: number, after: number): string =>
  before === 0 ? '-' : `${(((before - after) / before) * 100).toFixed(1)}%`;
const num = (n: number): string => n.toLocaleString('en-US');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function report(
  rows: readonly CaseRow[],
  codex: readonly CodexRow[],
  chat: readonly CaseRow[],
  gemini: readonly GeminiRow[],
): string {
  const caseTable = table(
    ['case', 'shape', 'action', 'tokens before', 'after', 'saved', 'needles', 'ms'],
    rows.map((r) => [
      r.name,
      r.shape,
      r.action,
      num(r.tokensBefore),
      num(r.tokensAfter),
      pct(r.tokensBefore, r.tokensAfter),
      `${r.kept}/${r.needles}`,
      r.ms.toFixed(1),
    ]),
  );
  const byShape = new Map<string, { before: number; after: number; kept: number; needles: number }>();
  for (const r of rows) {
    const t = byShape.get(r.shape) ?? { before: 0, after: 0, kept: 0, needles: 0 };
    byShape.set(r.shape, {
      before: t.before + r.tokensBefore,
      after: t.after + r.tokensAfter,
      kept: t.kept + r.kept,
      needles: t.needles + r.needles,
    });
  }
  const shapeTable = table(
    ['shape', 'tokens before', 'after', 'saved', 'needles'],
    [...byShape].map(([shape, t]) => [
      shape,
      num(t.before),
      num(t.after),
      pct(t.before, t.after),
      `${t.kept}/${t.needles}`,
    ]),
  );
  const codexTable = table(
    ['codex output', 'whole', 'codex alone', 'needles', 'headroom', 'chars', 'needles'],
    codex.map((r) => [
      r.name,
      num(r.tokensWhole),
      num(r.aloneTokens),
      `${r.aloneKept}/${r.needles}`,
      num(r.headroomTokens),
      num(r.headroomChars),
      `${r.headroomKept}/${r.needles}`,
    ]),
  );
  const geminiTable = table(
    [
      'gemini shell output',
      'whole',
      'gemini alone',
      'needles',
      'headroom, no budget',
      'needles',
      'budget mode',
      'chars',
      'needles',
    ],
    gemini.map((r) => [
      r.name,
      num(r.tokensWhole),
      num(r.aloneTokens),
      `${r.aloneKept}/${r.needles}`,
      num(r.cutTokens),
      `${r.cutKept}/${r.needles}`,
      num(r.budgetTokens),
      num(r.budgetChars),
      `${r.budgetKept}/${r.needles}`,
    ]),
  );
  const chatTable = table(
    ['chat agent output', 'shape', 'action', 'tokens before', 'after', 'saved', 'chars', 'needles'],
    chat.map((r) => [
      r.name,
      r.shape,
      r.action,
      num(r.tokensBefore),
      num(r.tokensAfter),
      pct(r.tokensBefore, r.tokensAfter),
      num(r.charsAfter),
      `${r.kept}/${r.needles}`,
    ]),
  );
  const lost = [...rows, ...chat].flatMap((r) =>
    r.lost.map((n) => `  ${r.name} (${r.shape}): lost ${JSON.stringify(n)}`),
  );
  return [
    'Agent traffic: tool outputs as Claude Code 2.1.197 and Codex 0.169.0 send them',
    '',
    caseTable,
    '',
    shapeTable,
    '',
    `Codex: tokens sent per command output, Codex alone (its own ~10K-char cut) vs headroom budget mode (${num(CODEX_BUDGET)} chars)`,
    '',
    codexTable,
    '',
    `Qwen Code (shell result, held to ${num(QWEN_BUDGET)} chars) and opencode (raw bash output, held to ${num(OPENCODE_BUDGET)} chars)`,
    '',
    chatTable,
    '',
    `Gemini CLI 0.61: the same shell outputs in its run_shell_command envelope; Gemini alone (its own ${num(GEMINI_BUDGET)}-char cut), headroom over that cut (--no-gemini-budget), headroom budget mode (whole output held to ${num(GEMINI_BUDGET)} chars)`,
    '',
    geminiTable,
    ...(lost.length > 0 ? ['', 'Needles lost:', ...lost] : []),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--only');
  const only = i >= 0 ? new Set((argv[i + 1] ?? '').split(',')) : undefined;
  const cases = loadAgentCases().filter((c) => !only || only.has(c.name));
  const rows: CaseRow[] = [];
  const codex: CodexRow[] = [];
  const gemini: GeminiRow[] = [];
  const count = await tokenCounter('gpt-5');
  for (const c of cases) {
    const { row, output } = await runCase(c);
    rows.push(row);
    if (c.agent === 'codex') codex.push(codexRow(c, row, output, count));
    const shell = rawOutput(c);
    if (shell !== undefined) gemini.push(await geminiRow(c, shell, count));
  }
  const chat: CaseRow[] = [];
  for (const c of chatCases(cases)) chat.push(await chatRow(c, 'qwen'), await chatRow(c, 'opencode'));
  process.stdout.write(
    argv.includes('--json')
      ? `${JSON.stringify({ cases: rows, codex, chat, gemini }, null, 2)}\n`
      : report(rows, codex, chat, gemini),
  );
  const overBudget =
    codex.some((r) => r.headroomChars > CODEX_BUDGET) ||
    chat.some((r) => r.charsAfter > (r.shape === 'qwen-shell' ? QWEN_BUDGET : OPENCODE_BUDGET)) ||
    gemini.some((r) => r.budgetChars > GEMINI_BUDGET);
  const geminiLost = gemini.some((r) => r.budgetKept < r.needles);
  if ([...rows, ...chat].some((r) => r.lost.length > 0) || overBudget || geminiLost) process.exitCode = 1;
}

await main();
