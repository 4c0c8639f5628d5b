/**
 * The Gemini CLI part of scripts/bench-agents.ts: each shell output of the agent fixtures (Claude Code's
 * Bash results and Codex's command outputs, without their envelopes) put in Gemini CLI's
 * `run_shell_command` envelope and sent three ways: Gemini CLI alone (its own 40,000-character cut),
 * headroom without its budget (`--no-gemini-budget`: Gemini CLI's cut, then compressed) and headroom's
 * budget mode (`wrap gemini`: the whole output, compressed to 40,000 characters).
 */
import { compressMessages } from '../../src/compress/compress.js';
import type { AgentCase } from '../../test/helpers/agent-cases.js';
import { needleKept } from '../../test/helpers/agent-messages.js';
import { geminiContents, geminiCut, geminiShellText } from './messages.js';

/** Gemini CLI's own cut (`tools.truncateToolOutputThreshold`), and the budget `wrap gemini` holds to. */
export const GEMINI_BUDGET = 40_000;
const MODEL = 'gemini-2.5-pro';
const SAVED_FILE = '/home/user/.gemini/tmp/3f9c/tool-outputs/run_shell_command_1_0.txt';

export interface GeminiRow {
  readonly name: string;
  readonly tokensWhole: number;
  readonly aloneTokens: number;
  readonly aloneKept: number;
  /** headroom over Gemini CLI's own cut (no budget mode). */
  readonly cutTokens: number;
  readonly cutKept: number;
  /** headroom budget mode: the whole output, compressed to the budget. */
  readonly budgetTokens: number;
  readonly budgetChars: number;
  readonly budgetKept: number;
  readonly needles: number;
}

type Json = Record<string, unknown>;

function outputOf(contents: readonly unknown[]): string {
  const parts = (contents.at(-1) as { parts: { functionResponse: { response: Json } }[] }).parts;
  return parts[0]!.functionResponse.response.output as string;
}

export async function geminiRow(c: AgentCase, raw: string, count: (t: string) => number): Promise<GeminiRow> {
  const command = String(c.call.input.command ?? c.call.input.cmd);
  const whole = geminiShellText(raw, 1);
  const alone = geminiCut(whole, GEMINI_BUDGET, SAVED_FILE);
  const run = async (output: string, budget: boolean) => {
    const result = await compressMessages(geminiContents(c.question, command, output), {
      model: MODEL,
      ...(budget ? { toolOutputBudget: GEMINI_BUDGET } : {}),
    });
    return outputOf(result.messages);
  };
  const cut = await run(alone, false);
  const budget = await run(whole, true);
  // Needles of the case's own envelope (Codex's exit-code header) are not in Gemini CLI's.
  const needles = c.needles.filter((n) => whole.includes(n));
  const kept = (out: string) => needles.filter((n) => needleKept(whole, out, n)).length;
  return {
    name: c.name,
    tokensWhole: count(whole),
    aloneTokens: count(alone),
    aloneKept: kept(alone),
    cutTokens: count(cut),
    cutKept: kept(cut),
    budgetTokens: count(budget),
    budgetChars: budget.length,
    budgetKept: kept(budget),
    needles: needles.length,
  };
}
