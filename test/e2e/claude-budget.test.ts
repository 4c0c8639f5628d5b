/**
 * Claude budget mode with the real Claude Code through `headroom wrap claude`, against a fake Anthropic API
 * whose count_tokens counts like the real one (~3 characters a token): a Read over Claude Code's
 * 25,000-token cap arrives whole at the proxy and goes out within that budget with the needed record; a
 * Bash output over 30,000 characters, which Claude Code saves to a file and previews, goes out as a view
 * of the whole output; a cap the user set is respected; and the summary counts whole requests beside
 * the provider's own usage.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/ledger.js';
import { tokenCounter } from '../../src/tokens/count.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { type AnthropicReply, type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { testLog } from '../helpers/outputs.js';
import { lastToolResult, realAgentEnv } from '../helpers/real-agents.js';

const FINAL = 'Found it.';
const NEEDLE = 'ERR_QUOTA_EXCEEDED: tenant acme-042 over its monthly quota';
const ASSERTION = '   → AssertionError: expected 90 to be 81 // Object.is equality';

/** An API dump: 1,500 records, one of them the failed one the question asks about. */
function records(): string {
  const items = [];
  for (let i = 0; i < 1500; i++) {
    items.push({
      id: `tenant-${String(i).padStart(3, '0')}`,
      plan: ['free', 'team', 'enterprise'][i % 3],
      status: i === 1107 ? 'suspended' : 'active',
      ...(i === 1107 ? { error: NEEDLE } : {}),
      seats: 5 + (i % 40),
      region: ['us-east-1', 'eu-west-1'][i % 2],
    });
  }
  return JSON.stringify(items, null, 2);
}

let scratch: string;
let jsonFile: string;
let logFile: string;
let fake: FakeAnthropic | undefined;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await mkdtemp(path.join(tmpdir(), 'headroom-claude-budget-'));
  await mkdir(path.join(scratch, 'home'));
  jsonFile = path.join(scratch, 'tenants.json');
  const json = records();
  // Over Claude Code's cap at ~3 characters a token, under its 256 KB byte cap.
  expect(json.length / 3).toBeGreaterThan(25_000);
  expect(Buffer.byteLength(json)).toBeLessThan(256 * 1024);
  await writeFile(jsonFile, json);
  logFile = path.join(scratch, 'test-run.log');
  const log = testLog(1500);
  expect(log.length).toBeGreaterThan(30_000);
  await writeFile(logFile, log);
}, 120_000);

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function wrapClaude(
  replies: AnthropicReply[],
  prompt: string,
  extra: Record<string, string> = {},
  flags: string[] = [],
) {
  fake = await startFakeAnthropic({
    replies,
    fallback: { kind: 'error', status: 500, type: 'api_error', message: 'the script ran out' },
  });
  const env = realAgentEnv(scratch, {
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    IS_SANDBOX: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...extra,
  });
  const args = [
    'wrap',
    ...flags,
    'claude',
    '-p',
    prompt,
    '--output-format',
    'json',
    '--dangerously-skip-permissions',
  ];
  const run = await runCli(args, { env, cwd: scratch, timeout: 80_000 });
  return { run, calls: fake.messageRequests() };
}

const readReplies = (): AnthropicReply[] => [
  { kind: 'tool_use', name: 'Read', input: { file_path: jsonFile } },
  { kind: 'text', text: FINAL },
];

describe('headroom wrap claude: budget mode with the real Claude Code', () => {
  it('sends a Read over 25,000 tokens whole-in-view within the budget, with the record asked for', async () => {
    const { run, calls } = await wrapClaude(
      readReplies(),
      'Read tenants.json: why is tenant-1107 suspended?',
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(calls).toHaveLength(2);
    const sent = lastToolResult(calls[1]!);
    // Claude Code sent the whole file (no PARTIAL page of its own): the proxy held it to the budget.
    expect(sent).not.toContain('PARTIAL view');
    expect(sent).toContain(NEEDLE);
    const count = await tokenCounter('claude-sonnet-4-6');
    expect(count(sent)).toBeLessThanOrEqual(25_000);
    expect(sent.length / 3).toBeLessThan(25_000);
  }, 90_000);

  it('sends a Bash output over 30,000 characters as a view of the whole saved output', async () => {
    const { run, calls } = await wrapClaude(
      [
        { kind: 'tool_use', name: 'Bash', input: { command: `cat ${logFile}` } },
        { kind: 'text', text: FINAL },
      ],
      'Run the tests: which one fails, and with what assertion?',
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const sent = lastToolResult(calls[1]!);
    expect(sent).not.toContain('<persisted-output>');
    expect(sent.length).toBeLessThanOrEqual(30_000);
    expect(sent).toContain(ASSERTION);
    expect(sent).toContain('      Tests  1 failed | 1500 passed (1501)');
  }, 90_000);

  it("leaves Claude Code's own first page alone when the user set its cap, and with --no-claude-budget", async () => {
    for (const [extra, flags] of [
      [{ CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS: '25000' }, []],
      [{}, ['--no-claude-budget']],
    ] as const) {
      const { run, calls } = await wrapClaude(
        readReplies(),
        'Read tenants.json: why is tenant-1107 suspended?',
        extra,
        [...flags],
      );
      expect(run.exitCode, run.stderr).toBe(0);
      const sent = lastToolResult(calls[1]!);
      expect(sent.startsWith('<system-reminder>[Truncated: PARTIAL view')).toBe(true);
      await fake?.close();
      fake = undefined;
    }
  }, 180_000);

  it('counts whole requests in the summary and the ledger, beside the usage the provider reported', async () => {
    const { run, calls } = await wrapClaude(
      readReplies(),
      'Read tenants.json: why is tenant-1107 suspended?',
    );
    expect(run.exitCode, run.stderr).toBe(0);
    // The fake reports ceil(bytes / 4) input tokens per request.
    const reported = calls.map((c) => Math.ceil(c.body.length / 4)).reduce((a, b) => a + b, 0);
    expect(run.stderr).toContain(`input ${reported.toLocaleString('en-US')} · cache read 0 · cache write 0`);
    const { entries } = await readLedger(path.join(scratch, 'headroom'));
    const first = entries.at(-2)!;
    // The first request carries no tool output: only a whole-request count comes near the provider's.
    expect(first.tokensBefore).toBeGreaterThan(Math.ceil(calls[0]!.body.length / 4) * 0.5);
    expect(first.usage?.inputTokens).toBe(Math.ceil(calls[0]!.body.length / 4));
    const summary = /input tokens\s+([\d,]+) → ([\d,]+)/.exec(run.stderr);
    const last = entries.at(-1)!;
    expect(Number(summary![1]!.replace(/,/g, ''))).toBe(first.tokensBefore + last.tokensBefore);
  }, 90_000);
});
