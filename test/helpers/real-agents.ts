/**
 * For end-to-end tests that run `headroom wrap` with the real Claude Code and Codex installed as dev
 * dependencies: their environment (offline, sandboxed, state in a scratch directory) and readers for
 * what the fake provider received.
 */
import { mkdir, writeFile } from 'node:fs/promises';
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
