/**
 * `headroom wrap codex` with the real Codex CLI: the CLI starts its proxy and routes Codex to it with
 * `-c openai_base_url=…`; the proxy forwards to a fake OpenAI API on loopback (`--openai-upstream`). The
 * fake's first answer is an `exec_command` call printing a failing test log; its second is the final text.
 * headroom's own stdout and stderr are pipes here (the test runner's), the case in which an agent that
 * inherits them can crash (design note §10).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import {
  type FakeOpenAI,
  type FakeOpenAIOptions,
  type OpenAIReply,
  startFakeOpenAI,
} from '../helpers/fake-openai.js';
import { bigTestLog } from '../helpers/proxy-harness.js';
import {
  functionCallOutput,
  offlineCodexHome,
  realAgentEnv,
  retrievalMarker,
  summarySaved,
} from '../helpers/real-agents.js';

const FINAL = 'invoice totals › rounds half cents up fails: expected 10.05 to equal 10.06.';
const ASSERTION = 'Error: expected 10.05 to equal 10.06';
/** Codex keeps about this many characters of a command's output by itself; wrap's default budget. */
const BUDGET = 10_000;
const HEADER =
  /^Chunk ID: \w+\nWall time: [\d.]+ seconds\nProcess exited with code 1\nOriginal token count: \d+\nOutput:\n/;
/** Codex's own cut leaves a note like `…195798 chars truncated…` (or `tokens`) in the middle. */
const CODEX_CUT = /…\d+ (?:chars|tokens) truncated…/;

/**
 * A failing run of 700 tests: about 12,000 tokens, far over the ~10,000 characters Codex keeps by
 * itself, and under the 10,000 tokens (4 bytes each, by Codex's count) `exec_command` returns when the
 * call does not ask for more, so with its cap lifted Codex sends it whole.
 */
const TEST_LOG = bigTestLog(700);
/** Big enough that only a call asking for more gets it whole (and that Codex echoes 200 KB to stderr). */
const HUGE_LOG = bigTestLog(4000);

let scratch: string;
let fake: FakeOpenAI | undefined;
let runs = 0;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await mkdtemp(path.join(tmpdir(), 'headroom-wrap-codex-'));
  await mkdir(path.join(scratch, 'home'));
  expect(TEST_LOG.length).toBeGreaterThan(3 * BUDGET);
  expect(TEST_LOG.length).toBeLessThan(40_000);
  await writeFile(path.join(scratch, 'npm-test.log'), TEST_LOG);
  await writeFile(path.join(scratch, 'npm-test-all.log'), HUGE_LOG);
}, 120_000);

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A failing test run as the model asks Codex for it: the log, then the runner's exit code. */
function runTests(log: string, extra: Record<string, unknown> = {}): OpenAIReply {
  return {
    kind: 'tool_call',
    name: 'exec_command',
    arguments: JSON.stringify({ cmd: `cat ${log}; exit 1`, ...extra }),
  };
}

/**
 * The test log as headroom sent it: Codex's header, within the budget, the assertion kept, no blind cut
 * by Codex (its cap was lifted: headroom chose what to keep), and a marker naming the whole original.
 */
async function expectBudgeted(sent: string): Promise<void> {
  expect(sent).toMatch(HEADER);
  expect(sent.length).toBeLessThanOrEqual(BUDGET);
  expect(sent).toContain(ASSERTION);
  expect(sent).not.toMatch(CODEX_CUT);
  const marker = retrievalMarker(sent);
  expect(marker, sent.slice(-300)).toBeDefined();
  const original = await readFile(marker!.file, 'utf8');
  expect(original).toMatch(HEADER);
  expect(original.endsWith(`\nOutput:\n${TEST_LOG}`)).toBe(true);
}

async function wrapCodex(
  replies: OpenAIReply[],
  wrapFlags: string[] = [],
  websocket?: FakeOpenAIOptions['websocket'],
) {
  fake = await startFakeOpenAI({
    replies,
    fallback: { kind: 'error', status: 500, message: 'the script ran out', type: 'server_error' },
    ...(websocket === undefined ? {} : { websocket }),
  });
  // A fresh Codex home per run: no session history carried from one run to the next.
  const codexHome = await offlineCodexHome(path.join(scratch, `codex-home-${++runs}`));
  const env = realAgentEnv(scratch, { CODEX_HOME: codexHome, OPENAI_API_KEY: 'sk-test' });
  const args = [
    'wrap',
    '--openai-upstream',
    fake.url,
    ...wrapFlags,
    'codex',
    'exec',
    '--skip-git-repo-check',
    '--dangerously-bypass-approvals-and-sandbox',
    '-m',
    'gpt-5',
    'Run the tests and tell me which one fails and why.',
  ];
  const run = await runCli(args, { env, cwd: scratch, timeout: 40_000 });
  return { run, calls: fake.modelRequests() };
}

describe('headroom wrap codex, with the real Codex CLI', () => {
  it('gets the failing assertion to the provider within the budget, run after run, through pipes', async () => {
    for (let i = 0; i < 3; i++) {
      const { run, calls } = await wrapCodex([runTests('npm-test.log'), { kind: 'text', text: FINAL }]);
      expect(run.stderr).not.toMatch(/panicked|Resource temporarily unavailable/);
      expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
      expect(run.stdout).toContain(FINAL);

      expect(calls).toHaveLength(2);
      await expectBudgeted(functionCallOutput(calls[1]!));

      const summary = summarySaved(run.stderr);
      expect(summary, run.stderr.slice(-1000)).toBeDefined();
      expect(summary!.requests).toBe(2);
      expect(summary!.saved).toBeGreaterThan(0);
    }
  }, 60_000);

  it('speaks Codex’s Responses WebSocket when the upstream does, compressing the command output on it', async () => {
    const { run, calls } = await wrapCodex(
      [runTests('npm-test.log'), { kind: 'text', text: FINAL }],
      [],
      'accept',
    );
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain(FINAL);
    expect(run.stderr).not.toContain('failed to connect to Responses WebSocket');
    expect(fake!.upgrades.length).toBeGreaterThan(0);
    // Codex's own handshake headers reach the upstream.
    expect(fake!.upgrades[0]!['openai-beta']).toMatch(/^responses_websockets=/);
    expect(fake!.upgrades[0]!['user-agent']).toMatch(/^codex_exec\//);
    // Every model call went over the socket; none fell back to HTTP.
    expect(calls.map((c) => c.method)).toEqual(['WEBSOCKET', 'WEBSOCKET']);
    await expectBudgeted(functionCallOutput(calls[1]!));
    // Codex's warm-up frame is a call too: three in the ledger, usage read from response.completed.
    expect(summarySaved(run.stderr)).toMatchObject({ requests: 3, saved: expect.any(Number) });
    expect(summarySaved(run.stderr)!.saved).toBeGreaterThan(0);
  }, 60_000);

  it('falls back to HTTP at once when the upstream refuses the WebSocket upgrade', async () => {
    const { run, calls } = await wrapCodex(
      [runTests('npm-test.log'), { kind: 'text', text: FINAL }],
      [],
      404,
    );
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain(FINAL);
    expect(fake!.upgrades).toHaveLength(1);
    expect(calls.map((c) => c.method)).toEqual(['POST', 'POST']);
    expect(functionCallOutput(calls[1]!)).toContain(ASSERTION);
  }, 60_000);

  it('holds a 200 KB output to the budget when the call asks Codex for all of it', async () => {
    const { run, calls } = await wrapCodex([
      runTests('npm-test-all.log', { max_output_tokens: 200_000 }),
      { kind: 'text', text: FINAL },
    ]);
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain(FINAL);
    const sent = functionCallOutput(calls[1]!);
    expect(sent).toMatch(HEADER);
    expect(sent.length).toBeLessThanOrEqual(BUDGET);
    expect(sent).toContain(ASSERTION);
    const original = await readFile(retrievalMarker(sent)!.file, 'utf8');
    expect(original.endsWith(`\nOutput:\n${HUGE_LOG}`)).toBe(true);
  }, 60_000);

  it('leaves Codex’s own cut in place with --no-codex-budget, which loses the assertion', async () => {
    const { run, calls } = await wrapCodex(
      [runTests('npm-test.log'), { kind: 'text', text: FINAL }],
      ['--no-codex-budget'],
    );
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
    const sent = functionCallOutput(calls[1]!);
    expect(sent).toMatch(CODEX_CUT);
    expect(sent).not.toContain(ASSERTION);
  }, 60_000);

  it('exits with Codex’s own non-zero exit code when the provider refuses the request', async () => {
    const { run, calls } = await wrapCodex([
      {
        kind: 'error',
        status: 400,
        message: 'Invalid value for input[0].content',
        type: 'invalid_request_error',
      },
    ]);
    expect(calls).toHaveLength(1);
    expect(run.stderr).toContain('Invalid value for input[0].content');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/headroom · codex session\n {2}requests\s+1\n/);
  }, 60_000);
});
