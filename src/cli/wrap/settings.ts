import { homedir } from 'node:os';
import path from 'node:path';
import type { CompressOptions } from '../../compress/options.js';
import { MIN_BASH_BUDGET_CHARS, MIN_READ_BUDGET_TOKENS } from '../../compress/resolve-options.js';
import { type AgentName, userUpstreams } from '../agents.js';
import { parsePort, parsePositiveInt } from '../options.js';
import { type SharedProxyFlags, type Upstreams, upstreamsFrom } from '../proxy-flags.js';

/** Codex keeps about this many characters of a command's output by itself; the budget matches it. */
export const DEFAULT_TOOL_OUTPUT_BUDGET = 10_000;
/** Gemini CLI cuts shell output over this many characters (`tools.truncateToolOutputThreshold`). */
export const DEFAULT_GEMINI_OUTPUT_BUDGET = 40_000;
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
  readonly codexBudget: boolean;
  /** Lift Gemini CLI's own cut of shell output; the proxy holds each output to the budget instead. */
  readonly geminiBudget: boolean;
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
  const codexBudget = agent === 'codex' && flags.codexBudget && flags.optimize;
  const claudeBudget = agent === 'claude' && flags.claudeBudget && flags.optimize;
  const geminiBudget = agent === 'gemini' && flags.geminiBudget && flags.optimize;
  const toolOutputBudget = budget(
    flags.toolOutputBudget,
    '--tool-output-budget',
    geminiBudget ? DEFAULT_GEMINI_OUTPUT_BUDGET : DEFAULT_TOOL_OUTPUT_BUDGET,
    MIN_TOOL_OUTPUT_BUDGET,
  );
  const readTokens = budget(flags.readBudget, '--read-budget', DEFAULT_READ_BUDGET, MIN_READ_BUDGET_TOKENS);
  const bashChars = budget(flags.bashBudget, '--bash-budget', DEFAULT_BASH_BUDGET, MIN_BASH_BUDGET_CHARS);
  return {
    agentArgs: rawArgs[0] === '--' ? rawArgs.slice(1) : rawArgs,
    port: flags.port === undefined ? undefined : parsePort(flags.port),
    upstreams: upstreamsFrom(flags, env, userUpstreams(agent, env)),
    compress: {
      ...(codexBudget || geminiBudget ? { toolOutputBudget } : {}),
      ...(claudeBudget ? { claudeBudget: { readTokens, bashChars } } : {}),
    },
    claudeConfigDir: claudeBudget ? claudeConfigDir(env) : undefined,
    codexBudget,
    geminiBudget,
  };
}
