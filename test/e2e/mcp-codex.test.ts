/**
 * `headroom mcp` with the real Codex CLI: a wrapped session leaves a retrieval marker, `headroom mcp
 * install codex` registers the server in a scratch CODEX_HOME's config.toml (next to the settings that
 * keep Codex offline), and in the next wrapped session the fake provider calls the retrieve tool with that
 * hash. The function output Codex sends back must be the original. Everything runs against loopback fakes.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { type FakeOpenAI, type OpenAIReply, startFakeOpenAI } from '../helpers/fake-openai.js';
import { bigTestLog } from '../helpers/proxy-harness.js';
import {
  functionCallOutput,
  functionCallOutputItems,
  offlineCodexHome,
  realAgentEnv,
  retrievalMarker,
} from '../helpers/real-agents.js';

const FINAL = 'The original is back.';
const TEST_LOG = bigTestLog(400);

let scratch: string;
let codexHome: string;
let fake: FakeOpenAI | undefined;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await mkdtemp(path.join(tmpdir(), 'headroom-mcp-codex-'));
  await mkdir(path.join(scratch, 'home'));
  await writeFile(path.join(scratch, 'npm-test.log'), TEST_LOG);
  codexHome = await offlineCodexHome(path.join(scratch, 'codex-home'));
}, 120_000);

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const env = () => realAgentEnv(scratch, { CODEX_HOME: codexHome, OPENAI_API_KEY: 'sk-test' });

async function wrapCodex(replies: OpenAIReply[]) {
  fake = await startFakeOpenAI({
    replies,
    fallback: { kind: 'error', status: 500, message: 'the script ran out', type: 'server_error' },
  });
  const args = [
    'wrap',
    '--openai-upstream',
    fake.url,
    'codex',
    'exec',
    '--skip-git-repo-check',
    '--dangerously-bypass-approvals-and-sandbox',
    '-m',
    'gpt-5',
    'Run the tests.',
  ];
  const run = await runCli(args, { env: env(), cwd: scratch, timeout: 50_000 });
  return { run, calls: fake.modelRequests() };
}

describe('headroom mcp with the real Codex CLI', () => {
  it('redeems a marker a wrapped session wrote through the installed MCP server', async () => {
    const first = await wrapCodex([
      {
        kind: 'tool_call',
        name: 'exec_command',
        arguments: JSON.stringify({ cmd: 'cat npm-test.log; exit 1' }),
      },
      { kind: 'text', text: 'done' },
    ]);
    expect(first.run.exitCode, first.run.stderr.slice(-2000)).toBe(0);
    const marker = retrievalMarker(functionCallOutput(first.calls[1]!));
    expect(marker).toBeDefined();
    const stored = await readFile(marker!.file, 'utf8');

    const before = await readFile(path.join(codexHome, 'config.toml'), 'utf8');
    const install = await runCli(['mcp', 'install', 'codex'], { env: env(), cwd: scratch });
    expect(install.exitCode, install.stderr).toBe(0);
    const after = await readFile(path.join(codexHome, 'config.toml'), 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after).toContain('[mcp_servers.headroom]');

    const second = await wrapCodex([
      {
        kind: 'tool_call',
        namespace: 'mcp__headroom',
        name: 'headroom_retrieve',
        arguments: JSON.stringify({ hash: marker!.hash }),
      },
      { kind: 'text', text: FINAL },
    ]);
    expect(second.run.exitCode, second.run.stderr.slice(-2000)).toBe(0);
    expect(second.run.stdout).toContain(FINAL);
    expect(second.calls).toHaveLength(2);
    // Codex sends an MCP result as content items after one of its own: `Wall time: … seconds\nOutput:`.
    const [header, ...items] = functionCallOutputItems(second.calls[1]!);
    expect(header).toMatch(/^Wall time: [\d.]+ seconds\nOutput:$/);
    expect(items).toEqual([stored]);
  }, 120_000);
});
