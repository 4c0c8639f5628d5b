import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAgentFixture } from '../helpers/agent-cases.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';
import { offlineCodexHome } from '../helpers/real-agents.js';

const CODEX = path.resolve(import.meta.dirname, '../../node_modules/.bin/codex');
/** Codex's own cut: about this many characters of a command's output reach the model. */
const BUDGET = 10_000;
const ASSERTION = 'AssertionError: expected 0 to be less than 0';
/** A real failing `npm test` run of ~2,700 tests (scripts/capture-agents.ts), without Codex's header. */
const TEST_LOG = (() => {
  const captured = readAgentFixture('codex-npm-test-failing.txt');
  return captured.slice(captured.indexOf('\nOutput:\n') + '\nOutput:\n'.length);
})();

type Item = Record<string, unknown>;

function commandOutputOf(body: Record<string, unknown>): string {
  const item = (body.input as Item[]).find((i) => i.type === 'function_call_output');
  if (typeof item?.output !== 'string') throw new Error('no string function_call_output');
  return item.output;
}

describe('Codex through the proxy in budget mode', () => {
  let harness: Harness;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'headroom-e2e-codex-'));
    // Codex otherwise checks for updates and plugins on outside hosts.
    await offlineCodexHome(path.join(scratch, 'codex-home'));
    await writeFile(path.join(scratch, 'npm-test.log'), TEST_LOG);
    harness = await startHarness({
      openai: {
        replies: [
          {
            kind: 'tool_call',
            name: 'exec_command',
            arguments: JSON.stringify({ cmd: 'cat npm-test.log', max_output_tokens: 200_000 }),
          },
          { kind: 'text', text: 'compare.test.ts fails: prereleases are not ordered.' },
        ],
      },
      proxy: { compress: { toolOutputBudget: BUDGET }, compressionTimeoutMs: 30_000 },
    });
  });

  afterAll(async () => {
    await harness?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('gets the failing assertion to the provider within the budget, and the whole log into a file', async () => {
    // What `headroom wrap codex` does: lift Codex's own cut, let the proxy choose within the budget.
    // Codex gets its own pipes: inherited non-blocking stdio can make it panic.
    const run = await execa(
      CODEX,
      [
        '-c',
        `openai_base_url="${harness.proxy.url}/v1"`,
        '-c',
        'tool_output_token_limit=200000',
        'exec',
        '--skip-git-repo-check',
        '--dangerously-bypass-approvals-and-sandbox',
        '-m',
        'gpt-5',
        'Run the tests and tell me which one fails and why.',
      ],
      {
        cwd: scratch,
        env: { CI: 'true', CODEX_HOME: path.join(scratch, 'codex-home'), OPENAI_API_KEY: 'sk-test' },
        stdin: 'ignore',
        reject: false,
        timeout: 50_000,
      },
    );
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);

    const calls = harness.openai.modelRequests();
    expect(calls).toHaveLength(2);
    const sent = commandOutputOf(calls[1]!.json());
    expect(sent).toMatch(
      /^Chunk ID: \w+\nWall time: [\d.]+ seconds\nProcess exited with code 0\nOriginal token count: \d+\nOutput:\n/,
    );
    expect(sent).toContain(ASSERTION);
    expect(sent.length).toBeLessThanOrEqual(BUDGET);

    const marker = /full output: (\S+\.txt)/.exec(sent);
    expect(marker, sent.slice(-400)).not.toBeNull();
    const original = await readFile(marker![1]!, 'utf8');
    expect(original.startsWith('Chunk ID: ')).toBe(true);
    expect(original.endsWith(`\nOutput:\n${TEST_LOG}`)).toBe(true);
  }, 60_000);
});
