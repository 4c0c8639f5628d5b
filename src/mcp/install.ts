import { readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENTS, findExecutable } from '../cli/agents.js';
import { HeadroomError } from '../errors.js';

/** The agents whose own configuration `headroom mcp install` writes to. */
export const MCP_AGENTS = ['claude', 'codex'] as const;
export type McpAgent = (typeof MCP_AGENTS)[number];

/** The name the server is registered under; Claude Code calls its tools `mcp__headroom__<tool>`. */
export const SERVER_NAME = 'headroom';

/** How an agent starts the server: a stdio command, its arguments and extra environment. */
export interface ServerEntry {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** What an agent's configuration holds for the server now. */
export interface McpStatus {
  readonly agent: McpAgent;
  /** The file the agent keeps it in. */
  readonly configPath: string;
  /** The registered entry, or undefined when there is none. */
  readonly entry: ServerEntry | undefined;
}

/** bin/headroom.js, two levels up from src/mcp, dist/mcp and dist/bundle. */
const BIN = fileURLToPath(new URL('../../bin/headroom.js', import.meta.url));

async function samePath(a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([realpath(a).catch(() => a), realpath(b).catch(() => b)]);
  return ra === rb;
}

/**
 * The entry to register: `headroom mcp` when the `headroom` on PATH is this very install, else this Node
 * and this script by absolute path. A state directory chosen by variable is pinned in the entry's
 * environment, because agents start MCP servers with only a few variables of their own (Codex passes
 * HOME and PATH, not HEADROOM_HOME), and the server must read the proxy's store.
 */
export async function wantedEntry(env: NodeJS.ProcessEnv): Promise<ServerEntry> {
  const onPath = await findExecutable('headroom', env);
  const launch =
    onPath !== undefined && (await samePath(onPath, BIN))
      ? { command: 'headroom', args: ['mcp'] }
      : { command: process.execPath, args: [BIN, 'mcp'] };
  const pinned: Record<string, string> = {};
  if (env.HEADROOM_HOME) pinned.HEADROOM_HOME = path.resolve(env.HEADROOM_HOME);
  else if (env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME))
    pinned.XDG_STATE_HOME = env.XDG_STATE_HOME;
  return { ...launch, env: pinned };
}

export function sameEntry(a: ServerEntry, b: ServerEntry): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(e: ServerEntry): ServerEntry {
  const env = Object.fromEntries(Object.entries(e.env).sort(([x], [y]) => (x < y ? -1 : 1)));
  return { command: e.command, args: [...e.args], env };
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir();
}

/** Claude Code's user configuration: `$CLAUDE_CONFIG_DIR/.claude.json`, else `~/.claude.json`. */
export function claudeConfigPath(env: NodeJS.ProcessEnv): string {
  return env.CLAUDE_CONFIG_DIR
    ? path.join(env.CLAUDE_CONFIG_DIR, '.claude.json')
    : path.join(home(env), '.claude.json');
}

export function codexConfigPath(env: NodeJS.ProcessEnv): string {
  return path.join(env.CODEX_HOME || path.join(home(env), '.codex'), 'config.toml');
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An entry as the agent stores it (`command`, `args`, `env`), or undefined when it is not a stdio one. */
function entryOf(value: unknown): ServerEntry | undefined {
  if (!isRecord(value) || typeof value.command !== 'string') return undefined;
  const args = Array.isArray(value.args) ? value.args.filter((a): a is string => typeof a === 'string') : [];
  const env: Record<string, string> = {};
  if (isRecord(value.env))
    for (const [k, v] of Object.entries(value.env)) if (typeof v === 'string') env[k] = v;
  return { command: value.command, args, env };
}

async function agentExecutable(agent: McpAgent, env: NodeJS.ProcessEnv): Promise<string> {
  const info = AGENTS[agent];
  const found = await findExecutable(info.command, env);
  if (found === undefined) {
    throw new HeadroomError('AGENT_NOT_FOUND', `${info.label} (\`${info.command}\`) is not on PATH.`, {
      fix: `Install it with: ${info.install}`,
    });
  }
  return found;
}

async function runAgent(
  executable: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const { execa } = await import('execa');
  // Own pipes, never inherited: Codex panics writing to a non-blocking inherited pipe (design note §10).
  const result = await execa(executable, [...args], {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  });
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * What the agent's configuration holds for the server. Claude Code's user config is JSON we can read;
 * Codex's TOML is read through Codex itself (`codex mcp get --json`), which knows every form it accepts.
 */
export async function mcpStatus(agent: McpAgent, env: NodeJS.ProcessEnv): Promise<McpStatus> {
  if (agent === 'claude') {
    const configPath = claudeConfigPath(env);
    let config: unknown;
    try {
      config = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { agent, configPath, entry: undefined };
      throw new HeadroomError('INVALID_INPUT', `Cannot read ${configPath}: ${(error as Error).message}`, {
        fix: 'Repair the file (Claude Code rewrites it on start), then try again.',
      });
    }
    const servers = isRecord(config) ? config.mcpServers : undefined;
    return { agent, configPath, entry: isRecord(servers) ? entryOf(servers[SERVER_NAME]) : undefined };
  }
  const configPath = codexConfigPath(env);
  const result = await runAgent(
    await agentExecutable(agent, env),
    ['mcp', 'get', SERVER_NAME, '--json'],
    env,
  );
  if (result.exitCode !== 0) return { agent, configPath, entry: undefined };
  let found: unknown;
  try {
    found = JSON.parse(result.stdout);
  } catch {
    return { agent, configPath, entry: undefined };
  }
  return { agent, configPath, entry: isRecord(found) ? entryOf(found.transport) : undefined };
}

/** A change to an agent's configuration: the agent's own commands that make it, and a preview. */
export interface McpChange {
  readonly agent: McpAgent;
  readonly configPath: string;
  readonly action: 'add' | 'update' | 'remove' | 'none';
  /** Agent commands (argv, executable first) run in order. */
  readonly commands: readonly (readonly string[])[];
  /** What the configuration will hold for the server, as the agent writes it; empty for a removal. */
  readonly preview: string;
}

const tomlString = (s: string): string => JSON.stringify(s);

/** The table `codex mcp add` writes (Codex 0.169). */
function codexToml(entry: ServerEntry): string {
  const lines = [
    `[mcp_servers.${SERVER_NAME}]`,
    `command = ${tomlString(entry.command)}`,
    `args = [${entry.args.map(tomlString).join(', ')}]`,
  ];
  const vars = Object.entries(entry.env);
  if (vars.length > 0) {
    lines.push('', `[mcp_servers.${SERVER_NAME}.env]`);
    for (const [k, v] of vars) lines.push(`${k} = ${tomlString(v)}`);
  }
  return lines.join('\n');
}

function claudeJson(entry: ServerEntry): string {
  return JSON.stringify({ type: 'stdio', command: entry.command, args: entry.args, env: entry.env });
}

function addCommands(agent: McpAgent, exe: string, entry: ServerEntry): string[][] {
  if (agent === 'claude')
    return [[exe, 'mcp', 'add-json', '--scope', 'user', SERVER_NAME, claudeJson(entry)]];
  const envFlags = Object.entries(entry.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return [[exe, 'mcp', 'add', SERVER_NAME, ...envFlags, '--', entry.command, ...entry.args]];
}

function removeCommands(agent: McpAgent, exe: string): string[][] {
  return agent === 'claude'
    ? [[exe, 'mcp', 'remove', '--scope', 'user', SERVER_NAME]]
    : [[exe, 'mcp', 'remove', SERVER_NAME]];
}

/** Plans `mcp install`: nothing when the same entry is there, a replacement when another one is. */
export async function planInstall(agent: McpAgent, env: NodeJS.ProcessEnv): Promise<McpChange> {
  const exe = await agentExecutable(agent, env);
  const [status, wanted] = await Promise.all([mcpStatus(agent, env), wantedEntry(env)]);
  const preview =
    agent === 'claude'
      ? `"mcpServers": { "${SERVER_NAME}": ${JSON.stringify({ type: 'stdio', ...wanted })} }`
      : codexToml(wanted);
  const base = { agent, configPath: status.configPath, preview };
  if (status.entry !== undefined && sameEntry(status.entry, wanted))
    return { ...base, action: 'none', commands: [] };
  if (status.entry === undefined)
    return { ...base, action: 'add', commands: addCommands(agent, exe, wanted) };
  return {
    ...base,
    action: 'update',
    commands: [...removeCommands(agent, exe), ...addCommands(agent, exe, wanted)],
  };
}

/** Plans `mcp uninstall`: nothing when the server is not registered. */
export async function planUninstall(agent: McpAgent, env: NodeJS.ProcessEnv): Promise<McpChange> {
  const exe = await agentExecutable(agent, env);
  const status = await mcpStatus(agent, env);
  const base = { agent, configPath: status.configPath, preview: '' };
  if (status.entry === undefined) return { ...base, action: 'none', commands: [] };
  return { ...base, action: 'remove', commands: removeCommands(agent, exe) };
}

/** Runs a planned change's commands, stopping at the first that fails. */
export async function applyChange(change: McpChange, env: NodeJS.ProcessEnv): Promise<void> {
  for (const [exe, ...args] of change.commands) {
    const result = await runAgent(exe!, args, env);
    if (result.exitCode !== 0) {
      const said = (result.stderr || result.stdout).trim().split('\n').slice(0, 3).join(' ');
      throw new HeadroomError(
        'INVALID_INPUT',
        `\`${path.basename(exe!)} ${args.slice(0, 3).join(' ')}\` failed (exit ${result.exitCode ?? 'none'}): ${said}`,
        { fix: `Check ${change.configPath}, then run the command again.` },
      );
    }
  }
}
