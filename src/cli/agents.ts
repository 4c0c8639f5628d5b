import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { SessionSettings } from './wrap/agent-config.js';

export type AgentName = 'claude' | 'codex' | 'gemini' | 'aider' | 'qwen' | 'opencode';

export interface AgentInfo {
  readonly name: AgentName;
  readonly label: string;
  /** Executable looked up on PATH. */
  readonly command: string;
  readonly install: string;
}

export const AGENTS: Readonly<Record<AgentName, AgentInfo>> = {
  claude: {
    name: 'claude',
    label: 'Claude Code',
    command: 'claude',
    install: 'npm install -g @anthropic-ai/claude-code',
  },
  codex: { name: 'codex', label: 'Codex CLI', command: 'codex', install: 'npm install -g @openai/codex' },
  gemini: {
    name: 'gemini',
    label: 'Gemini CLI',
    command: 'gemini',
    install: 'npm install -g @google/gemini-cli',
  },
  aider: {
    name: 'aider',
    label: 'Aider',
    command: 'aider',
    install: 'python -m pip install aider-install && aider-install',
  },
  qwen: { name: 'qwen', label: 'Qwen Code', command: 'qwen', install: 'npm install -g @qwen-code/qwen-code' },
  // The npm package's `opencode` is its platform binary once its postinstall has run (npm, bun, the
  // curl installer all put it on PATH under this name).
  opencode: {
    name: 'opencode',
    label: 'opencode',
    command: 'opencode',
    install: 'npm install -g opencode-ai',
  },
};

export function isAgentName(value: string): value is AgentName {
  return Object.hasOwn(AGENTS, value);
}

/**
 * Codex's own per-output cap when `wrap codex` lifts it, so the proxy sees more of each command output.
 * Codex 0.169 still cuts a single `exec_command` at its `max_output_tokens` (10,000 tokens by default)
 * unless the model's call asks for more, so outputs past ~40 KB arrive pre-cut even so.
 */
export const CODEX_TOOL_OUTPUT_TOKEN_LIMIT = 200_000;

/**
 * Claude Code's Read token cap when `wrap claude` lifts it (`CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS`,
 * no upper clamp in 2.1.197): past what its 256 KB byte cap lets through, so whole files reach the proxy,
 * which holds each to Claude Code's own default budget.
 */
export const CLAUDE_READ_TOKEN_CAP = 1_000_000;

export interface LaunchOptions {
  /** `http://127.0.0.1:PORT`, without `/v1`. */
  readonly proxyUrl: string;
  readonly env: NodeJS.ProcessEnv;
  /** Lift Codex's own output cap (the proxy then holds outputs to its budget). */
  readonly codexBudget: boolean;
  /** Lift Claude Code's Read cap (the proxy then holds Reads to its budget). */
  readonly claudeBudget?: boolean;
  /** Text of the user's Codex config.toml, to see whether they set the cap themselves. */
  readonly codexConfig?: string | undefined;
  /**
   * The agent's settings for this session only, as the variables that point it at them (Gemini CLI's
   * settings file or stand-in home, Qwen Code's system settings file, opencode's config; see
   * wrap/agent-config.ts).
   */
  readonly sessionSettings?: Pick<SessionSettings, 'env' | 'injected'> | undefined;
}

export interface LaunchPlan {
  readonly command: string;
  readonly args: readonly string[];
  /** The child's complete environment. */
  readonly env: Readonly<Record<string, string>>;
  /** What was injected, for the verbose log. */
  readonly injected: readonly string[];
}

const LOOPBACK = ['127.0.0.1', 'localhost'];

/**
 * NO_PROXY and no_proxy both extended with the loopback names, so a corporate HTTP(S)_PROXY does not
 * swallow the agent's traffic to the local proxy. Existing entries of either spelling are kept.
 */
export function withNoProxy(env: Readonly<Record<string, string>>): Record<string, string> {
  const entries: string[] = [];
  for (const value of [env.NO_PROXY, env.no_proxy]) {
    for (const item of (value ?? '').split(',')) {
      const trimmed = item.trim();
      if (trimmed !== '' && !entries.includes(trimmed)) entries.push(trimmed);
    }
  }
  for (const host of LOOPBACK) if (!entries.includes(host)) entries.push(host);
  const joined = entries.join(',');
  return { ...env, NO_PROXY: joined, no_proxy: joined };
}

/** Whether the user's Codex arguments or config already set `key` (`-c key=…`, `--config key=…`). */
export function codexSetsOption(userArgs: readonly string[], key: string, configToml?: string): boolean {
  const matches = (assignment: string | undefined): boolean =>
    assignment?.trimStart().startsWith(`${key}=`) === true;
  for (let i = 0; i < userArgs.length; i++) {
    const arg = userArgs[i] ?? '';
    if ((arg === '-c' || arg === '--config') && matches(userArgs[i + 1])) return true;
    if (arg.startsWith('--config=') && matches(arg.slice('--config='.length))) return true;
    if (arg.startsWith('-c') && arg.length > 2 && matches(arg.slice(2).replace(/^=/, ''))) return true;
  }
  if (configToml !== undefined) {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`^\\s*${escaped}\\s*=`, 'm').test(configToml)) return true;
  }
  return false;
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * How to start an agent pointed at the proxy: the user's arguments untouched and in order, and only
 * what routing needs added. Credentials are never touched.
 */
export function planLaunch(
  agent: AgentName,
  userArgs: readonly string[],
  options: LaunchOptions,
): LaunchPlan {
  const env = withNoProxy(definedEnv(options.env));
  const injected: string[] = ['NO_PROXY/no_proxy += 127.0.0.1,localhost'];
  const args: string[] = [];
  switch (agent) {
    case 'claude':
      env.ANTHROPIC_BASE_URL = options.proxyUrl;
      injected.push(`ANTHROPIC_BASE_URL=${options.proxyUrl}`);
      // Tool-search deferral keeps the tools array small and stable; the user's own choice wins.
      if (env.ENABLE_TOOL_SEARCH === undefined) {
        env.ENABLE_TOOL_SEARCH = 'true';
        injected.push('ENABLE_TOOL_SEARCH=true');
      }
      // A cap the user set is theirs: Claude Code then cuts Reads itself and headroom leaves its pages alone.
      if (options.claudeBudget === true && env.CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS === undefined) {
        env.CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS = String(CLAUDE_READ_TOKEN_CAP);
        injected.push(`CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS=${CLAUDE_READ_TOKEN_CAP}`);
      }
      break;
    case 'codex': {
      // Codex's interactive UI runs sessions in a shared background server unless told otherwise; `-c`
      // overrides cannot reach that server, so with them it runs its own server in-process anyway and
      // warns that it does. Saying so with `--no-daemon` (accepted before any subcommand) avoids the
      // warning and changes nothing else. Not with `--remote`: that session runs elsewhere.
      if (!userArgs.some((a) => a === '--no-daemon' || a === '--remote' || a.startsWith('--remote='))) {
        args.push('--no-daemon');
        injected.push('--no-daemon');
      }
      // Codex ignores OPENAI_BASE_URL; a `-c` override before the subcommand routes it and leaves the
      // user's own arguments exactly as given.
      args.push('-c', `openai_base_url="${options.proxyUrl}/v1"`);
      injected.push(`-c openai_base_url="${options.proxyUrl}/v1"`);
      if (options.codexBudget && !codexSetsOption(userArgs, 'tool_output_token_limit', options.codexConfig)) {
        args.push('-c', `tool_output_token_limit=${CODEX_TOOL_OUTPUT_TOKEN_LIMIT}`);
        injected.push(`-c tool_output_token_limit=${CODEX_TOOL_OUTPUT_TOKEN_LIMIT}`);
      }
      break;
    }
    case 'gemini':
      // Gemini API-key traffic only: Google-login (Code Assist) and Vertex traffic go to other hosts.
      env.GOOGLE_GEMINI_BASE_URL = options.proxyUrl;
      injected.push(`GOOGLE_GEMINI_BASE_URL=${options.proxyUrl}`);
      break;
    case 'qwen':
      // With OPENAI_API_KEY and OPENAI_MODEL (the user's own), this selects Qwen Code's OpenAI auth.
      env.OPENAI_BASE_URL = `${options.proxyUrl}/v1`;
      injected.push(`OPENAI_BASE_URL=${options.proxyUrl}/v1`);
      break;
    case 'opencode':
      // Routed by the provider its session config defines (`sessionSettings`).
      break;
    case 'aider':
      env.OPENAI_API_BASE = `${options.proxyUrl}/v1`;
      env.ANTHROPIC_BASE_URL = options.proxyUrl;
      injected.push(`OPENAI_API_BASE=${options.proxyUrl}/v1`, `ANTHROPIC_BASE_URL=${options.proxyUrl}`);
      break;
  }
  if (options.sessionSettings) {
    Object.assign(env, options.sessionSettings.env);
    injected.push(...options.sessionSettings.injected);
  }
  return { command: AGENTS[agent].command, args: [...args, ...userArgs], env, injected };
}

/**
 * Upstreams the user had already pointed the agent at (a gateway, another local router): the proxy
 * forwards there instead of to the public API, so wrapping does not silently change where traffic goes.
 */
export function userUpstreams(
  agent: AgentName,
  env: NodeJS.ProcessEnv,
): { anthropic?: string; openai?: string; gemini?: string } {
  const out: { anthropic?: string; openai?: string; gemini?: string } = {};
  const anthropic = env.ANTHROPIC_BASE_URL?.trim();
  if ((agent === 'claude' || agent === 'aider') && anthropic) out.anthropic = anthropic.replace(/\/+$/, '');
  // Qwen Code reads OPENAI_BASE_URL; for opencode's headroom provider it says where to forward.
  const openai = (
    agent === 'aider'
      ? (env.OPENAI_API_BASE ?? env.OPENAI_BASE_URL)
      : agent === 'qwen' || agent === 'opencode'
        ? env.OPENAI_BASE_URL
        : undefined
  )?.trim();
  if (openai) out.openai = openai.replace(/\/+$/, '').replace(/\/v1$/, '');
  const gemini = env.GOOGLE_GEMINI_BASE_URL?.trim();
  if (agent === 'gemini' && gemini) out.gemini = gemini.replace(/\/+$/, '');
  return out;
}

/** Path of an executable on PATH (PATHEXT on Windows), or undefined. */
export async function findExecutable(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const exts =
    process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').toLowerCase().split(';')] : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      try {
        if (!(await stat(candidate)).isFile()) continue;
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here; keep looking.
      }
    }
  }
  return undefined;
}

/** First line the agent prints for `--version`, or undefined when it does not answer in time. */
export async function agentVersion(executable: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { execa } = await import('execa');
  const result = await execa(executable, ['--version'], {
    env,
    extendEnv: false,
    reject: false,
    timeout: 15_000,
    stdin: 'ignore',
  });
  if (result.exitCode !== 0) return undefined;
  const line = `${result.stdout}`.split('\n').find((l) => l.trim() !== '');
  return line?.trim();
}

/** Where Codex keeps its config and sessions: `$CODEX_HOME`, else `~/.codex`. */
export function codexHome(env: NodeJS.ProcessEnv): string {
  return env.CODEX_HOME ?? path.join(env.HOME ?? homedir(), '.codex');
}

/** The user's Codex config.toml text (`$CODEX_HOME/config.toml`, else `~/.codex/config.toml`). */
export async function readCodexConfig(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    return await readFile(path.join(codexHome(env), 'config.toml'), 'utf8');
  } catch {
    return undefined;
  }
}
