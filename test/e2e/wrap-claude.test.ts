/**
 * `headroom wrap claude` with the real Claude Code: the CLI starts its proxy, Claude Code talks to it, the
 * proxy forwards to a fake Anthropic API on loopback (chained through ANTHROPIC_BASE_URL, as a user's
 * gateway would be). The fake's first answer makes Claude Code run a tool; its second is the final text.
 * Its count_tokens counts like the real API (~3 characters a token), so Claude Code cuts big Reads as it
 * really does; the budget-mode tests check what `wrap` does about that.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/ledger.js';
import { tokenCounter } from '../../src/tokens/count.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { type AnthropicReply, type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { testLog } from '../helpers/outputs.js';
import { lastToolResult, realAgentEnv, retrievalMarker, summarySaved } from '../helpers/real-agents.js';

const FINAL = 'payments-api failed: its image tag 4.2.1 does not exist.';
const NEEDLE = 'ImagePullBackOff: registry.internal/payments-api:4.2.1 not found';

/** A deployment listing as an API dump prints it: one failed rollout among many healthy ones. */
function deployments(count: number): string {
  const items = [];
  for (let i = 0; i < count; i++) {
    const failed = i === Math.floor(count / 2);
    items.push({
      name: failed ? 'payments-api' : `service-${i}`,
      namespace: ['prod', 'staging', 'canary'][i % 3],
      replicas: 2 + (i % 4),
      status: failed ? 'failed' : 'available',
      ...(failed ? { error: NEEDLE } : {}),
      image: `registry.internal/service-${i}:1.${i % 9}.${i % 5}`,
      updatedAt: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T09:${String(i % 60).padStart(2, '0')}:00Z`,
    });
  }
  return JSON.stringify(items, null, 2);
}

const QUOTA_NEEDLE = 'ERR_QUOTA_EXCEEDED: tenant acme-042 over its monthly quota';
const ASSERTION = '   → AssertionError: expected 90 to be 81 // Object.is equality';

/** An API dump: 1,500 records, one of them the failed one the question asks about. */
function tenants(): string {
  const items = [];
  for (let i = 0; i < 1500; i++) {
    items.push({
      id: `tenant-${String(i).padStart(3, '0')}`,
      plan: ['free', 'team', 'enterprise'][i % 3],
      status: i === 1107 ? 'suspended' : 'active',
      ...(i === 1107 ? { error: QUOTA_NEEDLE } : {}),
      seats: 5 + (i % 40),
      region: ['us-east-1', 'eu-west-1'][i % 2],
    });
  }
  return JSON.stringify(items, null, 2);
}

/** What Claude Code's Read tool sends for a file: every line as `<number><TAB><line>`. */
function numbered(text: string): string {
  return text
    .split('\n')
    .map((line, i) => `${i + 1}\t${line}`)
    .join('\n');
}

let scratch: string;
let bashOutput: string;
let readFileText: string;
let tenantsFile: string;
let testRunFile: string;
let fake: FakeAnthropic | undefined;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await mkdtemp(path.join(tmpdir(), 'headroom-wrap-claude-'));
  await mkdir(path.join(scratch, 'home'));
  // Under the ~30,000 characters above which Claude Code stops sending a Bash output (design note §10).
  bashOutput = deployments(120);
  expect(bashOutput.length).toBeGreaterThan(15_000);
  expect(bashOutput.length).toBeLessThan(30_000);
  await writeFile(path.join(scratch, 'deployments.json'), bashOutput);
  // Several times that, yet under the 25,000 tokens (Claude Code's estimate) above which Read sends only a
  // first page with a note.
  readFileText = `${deployments(340)}\n`;
  expect(readFileText.length).toBeGreaterThan(60_000);
  await writeFile(path.join(scratch, 'all-deployments.json'), readFileText);
  tenantsFile = path.join(scratch, 'tenants.json');
  const json = tenants();
  // Over Claude Code's Read cap at ~3 characters a token, under its 256 KB byte cap.
  expect(json.length / 3).toBeGreaterThan(25_000);
  expect(Buffer.byteLength(json)).toBeLessThan(256 * 1024);
  await writeFile(tenantsFile, json);
  // Over the 30,000 characters above which Claude Code saves a Bash output and sends a preview.
  testRunFile = path.join(scratch, 'test-run.log');
  const log = testLog(1500);
  expect(log.length).toBeGreaterThan(30_000);
  await writeFile(testRunFile, log);
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
  extra: { env?: Record<string, string>; flags?: readonly string[] } = {},
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
    ...extra.env,
  });
  const args = [
    'wrap',
    ...(extra.flags ?? []),
    'claude',
    ...['-p', prompt, '--output-format', 'json', '--dangerously-skip-permissions'],
  ];
  const run = await runCli(args, { env, cwd: scratch, timeout: 80_000 });
  return { run, calls: fake.messageRequests() };
}

describe('headroom wrap claude, with the real Claude Code', () => {
  it('finishes the session with a large Bash output sent compressed and retrievable', async () => {
    const { run, calls } = await wrapClaude(
      [
        {
          kind: 'tool_use',
          name: 'Bash',
          input: { command: `cat ${path.join(scratch, 'deployments.json')}` },
        },
        { kind: 'text', text: FINAL },
      ],
      'Which deployment failed, and why?',
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).result).toBe(FINAL);

    expect(calls).toHaveLength(2);
    const sent = lastToolResult(calls[1]!);
    expect(sent.length).toBeLessThan(bashOutput.length / 2);
    expect(sent).toContain(NEEDLE);
    const marker = retrievalMarker(sent);
    expect(marker, sent.slice(-300)).toBeDefined();
    expect(path.basename(marker!.file)).toBe(`${marker!.hash}.txt`);
    expect(marker!.file.startsWith(path.join(scratch, 'headroom'))).toBe(true);
    expect(await readFile(marker!.file, 'utf8')).toBe(bashOutput);

    const summary = summarySaved(run.stderr);
    expect(summary, run.stderr).toBeDefined();
    expect(summary!.requests).toBe(2);
    expect(summary!.saved).toBeGreaterThan(0);
  }, 60_000);

  it('sends a large Read compressed, keeping the needed lines with their numbers', async () => {
    const file = path.join(scratch, 'all-deployments.json');
    const { run, calls } = await wrapClaude(
      [
        { kind: 'tool_use', name: 'Read', input: { file_path: file } },
        { kind: 'text', text: FINAL },
      ],
      'Read all-deployments.json: which deployment failed, and why?',
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).result).toBe(FINAL);

    expect(calls).toHaveLength(2);
    const original = numbered(readFileText);
    const sent = lastToolResult(calls[1]!);
    expect(sent.length).toBeLessThan(original.length / 5);
    const needed = original.split('\n').find((line) => line.includes(NEEDLE))!;
    expect(needed).toMatch(/^\d+\t/);
    expect(sent.split('\n')).toContain(needed);
    const marker = retrievalMarker(sent);
    expect(marker, sent.slice(-300)).toBeDefined();
    expect(await readFile(marker!.file, 'utf8')).toBe(original);

    expect(summarySaved(run.stderr)?.saved).toBeGreaterThan(0);
  }, 60_000);

  it('exits with Claude Code’s own non-zero exit code when the provider refuses the request', async () => {
    const { run, calls } = await wrapClaude(
      [
        {
          kind: 'error',
          status: 400,
          type: 'invalid_request_error',
          message: 'messages: text content blocks must be non-empty',
        },
      ],
      'Which deployment failed?',
    );
    expect(calls).toHaveLength(1);
    const result = JSON.parse(run.stdout);
    expect(result.is_error).toBe(true);
    expect(result.api_error_status).toBe(400);
    expect(run.exitCode, run.stderr).toBe(1);
    // The agent ran and exited by itself: headroom still reports the session.
    expect(run.stderr).toMatch(/headroom · claude session\n {2}requests\s+1\n/);
  }, 60_000);
});

const readReplies = (): AnthropicReply[] => [
  { kind: 'tool_use', name: 'Read', input: { file_path: tenantsFile } },
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
    expect(sent).toContain(QUOTA_NEEDLE);
    const count = await tokenCounter('claude-sonnet-4-6');
    expect(count(sent)).toBeLessThanOrEqual(25_000);
    expect(sent.length / 3).toBeLessThan(25_000);
  }, 90_000);

  it('sends a Bash output over 30,000 characters as a view of the whole saved output', async () => {
    const { run, calls } = await wrapClaude(
      [
        { kind: 'tool_use', name: 'Bash', input: { command: `cat ${testRunFile}` } },
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
        { env: extra, flags },
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
