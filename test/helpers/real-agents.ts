/**
 * For end-to-end tests that run `headroom wrap` with the real agents installed as dev dependencies
 * (Claude Code, Codex, Qwen Code, opencode): their environment (offline, sandboxed, state in a scratch directory) and readers for
 * what the fake provider received.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cleanEnv, ROOT } from './cli.js';
import type { RecordedRequest } from './fake-server.js';

/** Where `npm install` put the real agents' launchers. */
export const AGENT_BIN_DIR = path.join(ROOT, 'node_modules', '.bin');

type Json = Record<string, unknown>;

/**
 * The environment `headroom wrap` runs in: the real agents on PATH, the test runner's keys and routing
 * variables removed, HOME and state under `scratch`, plus `overrides`.
 */
export function realAgentEnv(scratch: string, overrides: Record<string, string>): Record<string, string> {
  return cleanEnv({
    PATH: [AGENT_BIN_DIR, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
    HOME: path.join(scratch, 'home'),
    HEADROOM_HOME: path.join(scratch, 'headroom'),
    ...overrides,
  });
}

/**
 * Codex settings that keep a test run on loopback. Measured with strace on Codex 0.169.0: without them
 * `codex exec` looks up api.github.com and chatgpt.com and runs `git remote-https` against
 * github.com/openai/plugins (plugin marketplace sync), and looks up ab.chatgpt.com (analytics).
 */
const OFFLINE_CODEX_CONFIG = `check_for_update_on_startup = false

[analytics]
enabled = false

[features]
plugins = false
`;

/** Creates a Codex home whose config.toml keeps Codex from contacting anything but the proxy. */
export async function offlineCodexHome(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.toml'), OFFLINE_CODEX_CONFIG);
  return dir;
}

/**
 * Qwen Code user settings that keep a run on loopback: its usage statistics go to a host of its own
 * otherwise. Written as the user's own settings (`~/.qwen/settings.json`), which `wrap qwen` layers its
 * session settings over and must leave in force.
 */
export async function offlineQwenHome(home: string): Promise<void> {
  await mkdir(path.join(home, '.qwen'), { recursive: true });
  await writeFile(
    path.join(home, '.qwen', 'settings.json'),
    JSON.stringify({ privacy: { usageStatisticsEnabled: false } }),
  );
}

/** opencode's own requests besides the model's: its models list and its self-update check. */
export const OFFLINE_OPENCODE_ENV = { OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_AUTOUPDATE: '1' };

/**
 * A folder holding `opencode`, as `npm install -g opencode-ai` puts it on PATH: the native binary of the
 * package for this platform. The `opencode-ai` launcher in node_modules/.bin is only a stub that says so
 * until the package's postinstall has copied that binary over it, which npm 11 does not run unless
 * allowed; the platform package's binary is the same file.
 */
export async function opencodeBinDir(scratch: string): Promise<string> {
  const require = createRequire(path.join(ROOT, 'package.json'));
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = path.dirname(require.resolve(`opencode-${platform}-${arch}/package.json`));
  const dir = path.join(scratch, 'opencode-bin');
  await mkdir(dir, { recursive: true });
  await symlink(path.join(pkg, 'bin', 'opencode'), path.join(dir, 'opencode'));
  return dir;
}

/** The text of the `tool` message answering the last call of `tool` in a chat-completions request. */
export function chatToolOutput(request: RecordedRequest, tool: string): string {
  type Message = { role: string; content?: unknown; tool_call_id?: string; tool_calls?: Json[] };
  const messages = request.json<{ messages: Message[] }>().messages;
  const call = messages
    .flatMap((m) => m.tool_calls ?? [])
    .findLast((c) => (c.function as Json | undefined)?.name === tool);
  if (call === undefined) throw new Error(`no call of ${tool}`);
  const result = messages.find((m) => m.role === 'tool' && m.tool_call_id === call.id);
  if (result === undefined) throw new Error(`no tool message for the call of ${tool}`);
  if (typeof result.content === 'string') return result.content;
  if (Array.isArray(result.content))
    return (result.content as Json[]).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
  throw new Error('tool message without content');
}

/** The text of the `tool_result` in the last user message of an Anthropic request. */
export function lastToolResult(request: RecordedRequest): string {
  const messages = request.json<{ messages: { content: Json[] | string }[] }>().messages;
  const content = messages.at(-1)?.content;
  const block = Array.isArray(content) ? content.find((b) => b.type === 'tool_result') : undefined;
  if (block === undefined) throw new Error('no tool_result in the last message');
  return toolResultText(block);
}

/** The text of the `tool_result` answering the last call of `tool` in an Anthropic request. */
export function toolResultOf(request: RecordedRequest, tool: string): string {
  const blocks = request
    .json<{ messages: { content: Json[] | string }[] }>()
    .messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
  const call = blocks.findLast((b) => b.type === 'tool_use' && b.name === tool);
  if (call === undefined) throw new Error(`no call of ${tool}`);
  const result = blocks.find((b) => b.type === 'tool_result' && b.tool_use_id === call.id);
  if (result === undefined) throw new Error(`no tool_result for the call of ${tool}`);
  return toolResultText(result);
}

function toolResultText(block: Json): string {
  if (typeof block.content === 'string') return block.content;
  if (Array.isArray(block.content)) {
    return (block.content as Json[]).map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
  }
  throw new Error('tool_result without content');
}

/** The `function_call_output` string of a Responses API request. */
export function functionCallOutput(request: RecordedRequest): string {
  const input = request.json<{ input: Json[] }>().input;
  const item = input.find((i) => i.type === 'function_call_output');
  if (typeof item?.output !== 'string') throw new Error('no string function_call_output in the request');
  return item.output;
}

/** The text items of a `function_call_output` given as a list (how Codex sends an MCP tool's result). */
export function functionCallOutputItems(request: RecordedRequest): string[] {
  const input = request.json<{ input: Json[] }>().input;
  const item = input.find((i) => i.type === 'function_call_output');
  if (!Array.isArray(item?.output)) throw new Error('no list function_call_output in the request');
  return (item.output as Json[]).map((part) => (typeof part.text === 'string' ? part.text : ''));
}

export interface RetrievalMarker {
  readonly hash: string;
  /** The file the marker names, which must hold the original tool output. */
  readonly file: string;
}

/** The retrieval marker headroom left in a compressed tool output, or undefined when there is none. */
export function retrievalMarker(text: string): RetrievalMarker | undefined {
  const match = /hash=([0-9a-f]+) · full output: (\S+\.txt)\]/.exec(text);
  if (match === null) return undefined;
  return { hash: match[1]!, file: match[2]! };
}

/** Tokens saved as the wrap summary on stderr states them, or undefined when it states none. */
export function summarySaved(stderr: string): { requests: number; saved: number } | undefined {
  const requests = /requests\s+(\d+)/.exec(stderr);
  const saved = /input tokens\s+[\d,]+ → [\d,]+\s+saved ([\d,]+) \([^)]*%\)/.exec(stderr);
  if (requests === null || saved === null) return undefined;
  return { requests: Number(requests[1]), saved: Number(saved[1]!.replace(/,/g, '')) };
}
