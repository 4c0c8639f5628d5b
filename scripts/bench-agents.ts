/**
 * Benchmark on real agent traffic (test/fixtures/agents, captured by scripts/capture-agents.ts).
 *
 * Each case's tool output goes back into the request its agent really sends (Claude Code: an Anthropic
 * `tool_result`; Codex: a Responses `function_call_output`) and through `compressMessages`; Codex cases
 * with `toolOutputBudget: 10000`, the characters Codex keeps by itself. Reported per case: tokens of the
 * tool output before and after, savings, needles kept (each needle's whole original line must come out
 * byte for byte, with its line number where the output is line-numbered) and compression time. Then the
 * Codex table: what Codex alone sends (its default-limit capture) against headroom's budget mode (the
 * whole output, compressed to the budget), in tokens sent and needles kept.
 *
 * Then the Gemini CLI table (scripts/bench/gemini-shell.ts): the same shell outputs in Gemini CLI's
 * envelope, alone, over its own cut, and in budget mode.
 *
 * Exits 1 when a needle is lost or a Codex or Gemini budget-mode output goes over its budget.
 *
 * Usage: tsx scripts/bench-agents.ts [--json] [--only name,name]
 */
import { performance } from 'node:perf_hooks';
import { compressMessages } from '../src/compress/compress.js';
import { tokenCounter } from '../src/tokens/count.js';
import { type AgentCase, loadAgentCases, readAgentFixture } from '../test/helpers/agent-cases.js';
import { agentRequest, needleKept, toolOutputOf } from '../test/helpers/agent-messages.js';
import { GEMINI_BUDGET, type GeminiRow, geminiRow, shellOutputOf } from './bench/gemini-shell.js';

/** What Codex keeps of one command's output by itself, in characters; headroom's budget matches it. */
const CODEX_BUDGET = 10_000;
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

const pct = (before: number, after: number): string =>
  before === 0 ? '-' : `${(((before - after) / before) * 100).toFixed(1)}%`;
const num = (n: number): string => n.toLocaleString('en-US');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function report(rows: readonly CaseRow[], codex: readonly CodexRow[], gemini: readonly GeminiRow[]): string {
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
  const lost = rows.flatMap((r) => r.lost.map((n) => `  ${r.name}: lost ${JSON.stringify(n)}`));
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
    const shell = shellOutputOf(c, readAgentFixture(c.file));
    if (shell !== undefined) gemini.push(await geminiRow(c, shell, count));
  }
  process.stdout.write(
    argv.includes('--json')
      ? `${JSON.stringify({ cases: rows, codex, gemini }, null, 2)}\n`
      : report(rows, codex, gemini),
  );
  const overBudget =
    codex.some((r) => r.headroomChars > CODEX_BUDGET) || gemini.some((r) => r.budgetChars > GEMINI_BUDGET);
  const geminiLost = gemini.some((r) => r.budgetKept < r.needles);
  if (rows.some((r) => r.lost.length > 0) || overBudget || geminiLost) process.exitCode = 1;
}

await main();
