import { homedir } from 'node:os';
import path from 'node:path';
import type { CompressOptions } from '../../compress/options.js';
import { MIN_BASH_BUDGET_CHARS, MIN_READ_BUDGET_TOKENS } from '../../compress/resolve-options.js';
import { type AgentName, userUpstreams } from '../agents.js';
import { parsePort, parsePositiveInt } from '../options.js';
import { type SharedProxyFlags, type Upstreams, upstreamsFrom } from '../proxy-flags.js';

/** Codex keeps about this many characters of a command's output by itself; the budget matches it. */
export const DEFAULT_TOOL_OUTPUT_BUDGET = 10_000;
/**
 * What each agent with a shell budget keeps of one command's output by itself, in characters; budget mode
 * holds outputs to the same. Gemini CLI 0.61 cuts at 40,000 characters (`tools.truncateToolOutputThreshold`),
 * Qwen Code 0.15 at 25,000; opencode 1.18 keeps 51,200 bytes, taken as characters (the same for ASCII
 * output; headroom counts characters everywhere).
 */
export const SHELL_OUTPUT_BUDGETS: Partial<Record<AgentName, number>> = {
  codex: DEFAULT_TOOL_OUTPUT_BUDGET,
  gemini: 40_000,
  qwen: 25_000,
  opencode: 51_200,
};
/** opencode's shell tool: its results are the raw output, with no envelope that says so. */
const OPENCODE_SHELL_TOOLS = ['bash'];
/** The compressor needs room for the header, errors and markers; smaller budgets are refused. */
const MIN_TOOL_OUTPUT_BUDGET = 1_000;
/** Claude Code's own default Read cap, in tokens: budget mode never sends a Read over it. */
export const DEFAULT_READ_BUDGET = 25_000;
/** Claude Code sends Bash outputs up to this many characters inline, and saves longer ones to a file. */
export const DEFAULT_BASH_BUDGET = 30_000;

export interface WrapFlags extends SharedProxyFlags {
  readonly port?: string;
  readonly reuse?: boolean;
  readonly verbose?: boolean;
  readonly logFile?: string;
  readonly codexBudget: boolean;
  readonly geminiBudget: boolean;
  readonly qwenBudget: boolean;
  readonly opencodeBudget: boolean;
  readonly toolOutputBudget?: string;
  readonly claudeBudget: boolean;
  readonly readBudget?: string;
  readonly bashBudget?: string;
  readonly summary: boolean;
}

/** Everything the flags decide, checked before anything starts. */
export interface WrapSettings {
  readonly agentArgs: readonly string[];
  readonly port: number | undefined;
  readonly upstreams: Upstreams;
  /** Compression options for this agent's budget mode. */
  readonly compress: Partial<CompressOptions>;
  /** Claude budget mode: lift Claude Code's Read cap and expand its saved Bash outputs from here. */
  readonly claudeConfigDir: string | undefined;
  /** Shell budget mode (Codex, Gemini CLI, Qwen Code, opencode): lift the agent's own output cut. */
  readonly shellBudget: boolean;
}

function budget(value: string | undefined, flag: string, fallback: number, min: number): number {
  return value === undefined ? fallback : parsePositiveInt(value, flag, min);
}

/** Claude Code's config dir, where it saves big Bash outputs: `CLAUDE_CONFIG_DIR`, else `~/.claude`. */
export function claudeConfigDir(env: NodeJS.ProcessEnv): string {
  return env.CLAUDE_CONFIG_DIR?.trim() || path.join(env.HOME ?? homedir(), '.claude');
}

export function wrapSettings(
  agent: AgentName,
  rawArgs: readonly string[],
  flags: WrapFlags,
  env: NodeJS.ProcessEnv,
): WrapSettings {
  // Without optimization nothing holds outputs to a budget, so the agents keep their own cuts (a fair A/B).
  const shellFlags: Partial<Record<AgentName, boolean>> = {
    codex: flags.codexBudget,
    gemini: flags.geminiBudget,
    qwen: flags.qwenBudget,
    opencode: flags.opencodeBudget,
  };
  const shellBudget = shellFlags[agent] === true && flags.optimize;
  const claudeBudget = agent === 'claude' && flags.claudeBudget && flags.optimize;
  const toolOutputBudget = budget(
    flags.toolOutputBudget,
    '--tool-output-budget',
    SHELL_OUTPUT_BUDGETS[agent] ?? DEFAULT_TOOL_OUTPUT_BUDGET,
    MIN_TOOL_OUTPUT_BUDGET,
  );
  const readTokens = budget(flags.readBudget, '--read-budget', DEFAULT_READ_BUDGET, MIN_READ_BUDGET_TOKENS);
  const bashChars = budget(flags.bashBudget, '--bash-budget', DEFAULT_BASH_BUDGET, MIN_BASH_BUDGET_CHARS);
  return {
    agentArgs: rawArgs[0] === '--' ? rawArgs.slice(1) : rawArgs,
    port: flags.port === undefined ? undefined : parsePort(flags.port),
    upstreams: upstreamsFrom(flags, env, userUpstreams(agent, env)),
    compress: {
      ...(shellBudget ? { toolOutputBudget } : {}),
      ...(shellBudget && agent === 'opencode' ? { shellTools: OPENCODE_SHELL_TOOLS } : {}),
      ...(claudeBudget ? { claudeBudget: { readTokens, bashChars } } : {}),
    },
    claudeConfigDir: claudeBudget ? claudeConfigDir(env) : undefined,
    shellBudget,
  };
}
