/**
 * `headroom mcp` with the real Claude Code: a wrapped session leaves a retrieval marker, `headroom mcp
 * install claude` registers the server in Claude Code's user config (a scratch HOME), and in the next
 * session the fake provider asks for `mcp__headroom__headroom_retrieve` of that hash. The tool result
 * Claude Code sends back must be the original, byte for byte. Everything runs against loopback fakes.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tokenCounter } from '../../src/tokens/count.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { type AnthropicReply, type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { testLog } from '../helpers/outputs.js';
import {
  AGENT_BIN_DIR,
  lastToolResult,
  type RetrievalMarker,
  realAgentEnv,
  retrievalMarker,
  toolResultOf,
} from '../helpers/real-agents.js';

const FINAL = 'The original is back.';

let scratch: string;
let original: string;
let fake: FakeAnthropic | undefined;
let lastMarker: RetrievalMarker | undefined;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await mkdtemp(path.join(tmpdir(), 'headroom-mcp-claude-'));
  await mkdir(path.join(scratch, 'home'));
  original = testLog(300);
  expect(original.length).toBeGreaterThan(15_000);
  expect(original.length).toBeLessThan(30_000);
  await writeFile(path.join(scratch, 'test.log'), original);
}, 120_000);

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function startFake(replies: AnthropicReply[]): Promise<FakeAnthropic> {
  fake = await startFakeAnthropic({
    replies,
    fallback: { kind: 'error', status: 500, type: 'api_error', message: 'the script ran out' },
  });
  return fake;
}

function envFor(url: string): Record<string, string> {
  return realAgentEnv(scratch, {
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    IS_SANDBOX: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  });
}

const claudeArgs = (prompt: string) => [
  '-p',
  prompt,
  '--output-format',
  'json',
  '--dangerously-skip-permissions',
];

describe('headroom mcp with the real Claude Code', () => {
  it('redeems a marker a wrapped session wrote through mcp__headroom__headroom_retrieve', async () => {
    // 1. A wrapped session compresses a big Bash output and leaves a marker.
    const first = await startFake([
      { kind: 'tool_use', name: 'Bash', input: { command: `cat ${path.join(scratch, 'test.log')}` } },
      { kind: 'text', text: 'done' },
    ]);
    const wrapped = await runCli(['wrap', 'claude', ...claudeArgs('Run the tests.')], {
      env: envFor(first.url),
      cwd: scratch,
      timeout: 50_000,
    });
    expect(wrapped.exitCode, wrapped.stderr).toBe(0);
    const marker = retrievalMarker(lastToolResult(first.messageRequests()[1]!));
    expect(marker).toBeDefined();
    await first.close();

    // 2. Install into Claude Code's user config in the scratch HOME.
    const install = await runCli(['mcp', 'install', 'claude'], { env: envFor(first.url), cwd: scratch });
    expect(install.exitCode, install.stderr).toBe(0);
    const config = path.join(scratch, 'home', '.claude.json');
    const entry = JSON.parse(await readFile(config, 'utf8')).mcpServers.headroom;
    expect(entry).toMatchObject({ type: 'stdio', args: [expect.stringMatching(/headroom\.js$/), 'mcp'] });
    expect(entry.env).toEqual({ HEADROOM_HOME: path.join(scratch, 'headroom') });

    // 3. A plain Claude Code session: the model asks for the original by hash.
    const second = await startFake([
      { kind: 'tool_use', name: 'mcp__headroom__headroom_retrieve', input: { hash: marker!.hash } },
      { kind: 'text', text: FINAL },
    ]);
    const run = await execa(path.join(AGENT_BIN_DIR, 'claude'), claudeArgs('Get the full test log back.'), {
      env: envFor(second.url),
      extendEnv: false,
      cwd: scratch,
      reject: false,
      stdin: 'ignore',
      timeout: 50_000,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).result).toBe(FINAL);
    const calls = second.messageRequests();
    expect(calls).toHaveLength(2);
    // Claude Code trims the trailing newline of a Bash output before sending it: that is the original.
    const stored = await readFile(marker!.file, 'utf8');
    expect(stored).toBe(original.trimEnd());
    expect(lastToolResult(calls[1]!)).toBe(stored);

    const tools = calls[0]!.json<{ tools: { name: string }[] }>().tools;
    const ours = tools.filter((t) => t.name.startsWith('mcp__headroom__'));
    expect(ours.map((t) => t.name)).toEqual([
      'mcp__headroom__headroom_compress',
      'mcp__headroom__headroom_retrieve',
      'mcp__headroom__headroom_stats',
    ]);
    // What having the server installed adds to every request, as Claude Code sends the definitions.
    const count = await tokenCounter('claude-sonnet-4-6');
    expect(count(JSON.stringify(ours))).toBeLessThan(600);
    lastMarker = marker!;
  }, 120_000);

  it('redeems it inside a wrapped session too, where the proxy leaves the answer alone', async () => {
    expect(lastMarker).toBeDefined();
    // `wrap` turns on Claude Code's tool search, which defers MCP tools: the model loads one first.
    const fakeProvider = await startFake([
      { kind: 'tool_use', name: 'ToolSearch', input: { query: 'select:mcp__headroom__headroom_retrieve' } },
      { kind: 'tool_use', name: 'mcp__headroom__headroom_retrieve', input: { hash: lastMarker!.hash } },
      { kind: 'text', text: FINAL },
    ]);
    const wrapped = await runCli(['wrap', 'claude', ...claudeArgs('Get the full test log back.')], {
      env: envFor(fakeProvider.url),
      cwd: scratch,
      timeout: 50_000,
    });
    expect(wrapped.exitCode, wrapped.stderr).toBe(0);
    const calls = fakeProvider.messageRequests();
    expect(calls).toHaveLength(3);
    // Claude Code appends a note on deferred tools after the tool result, so look the result up by its call.
    expect(toolResultOf(calls[2]!, 'mcp__headroom__headroom_retrieve')).toBe(
      await readFile(lastMarker!.file, 'utf8'),
    );
  }, 120_000);
});
