import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAgentFixture } from '../helpers/agent-cases.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';

const CLAUDE = path.resolve(import.meta.dirname, '../../node_modules/.bin/claude');
/** The Read result Claude Code sent for a real vitest log, captured by scripts/capture-agents.ts. */
const CAPTURED_READ = readAgentFixture('claude-read-test-log.txt');
const ASSERTION = 'AssertionError: expected 0 to be less than 0';

type Block = Record<string, unknown>;

function toolResultOf(body: Record<string, unknown>): string {
  const messages = body.messages as { content: Block[] | string }[];
  const last = messages.at(-1)?.content;
  const block = Array.isArray(last) ? last.find((b) => b.type === 'tool_result') : undefined;
  if (typeof block?.content !== 'string') throw new Error('no string tool_result in the last message');
  return block.content;
}

describe('Claude Code through the proxy', () => {
  let harness: Harness;
  let scratch: string;
  let logPath: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'headroom-e2e-claude-'));
    logPath = path.join(scratch, 'core-compare.log');
    // The same file the capture read: its Read result is the captured one, line for line.
    await writeFile(
      logPath,
      CAPTURED_READ.split('\n')
        .map((line) => line.replace(/^\d+\t/, ''))
        .join('\n'),
    );
    harness = await startHarness({
      anthropic: {
        replies: [
          { kind: 'tool_use', name: 'Read', input: { file_path: logPath } },
          { kind: 'text', text: 'The prerelease ordering test fails.' },
        ],
      },
      proxy: { compressionTimeoutMs: 30_000 },
    });
  });

  afterAll(async () => {
    await harness?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('sends a large Read compressed, with a marker naming a file that holds the exact original', async () => {
    const run = await execa(
      CLAUDE,
      [
        '-p',
        'Read the test log: which test failed, and with what assertion?',
        '--output-format',
        'json',
        '--dangerously-skip-permissions',
      ],
      {
        cwd: scratch,
        env: {
          HOME: scratch,
          CI: 'true',
          ANTHROPIC_BASE_URL: harness.proxy.url,
          ANTHROPIC_API_KEY: 'sk-ant-test',
          IS_SANDBOX: '1',
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        },
        stdin: 'ignore',
        reject: false,
        timeout: 50_000,
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).result).toBe('The prerelease ordering test fails.');

    const calls = harness.anthropic.messageRequests();
    expect(calls).toHaveLength(2);
    const sent = toolResultOf(calls[1]!.json());
    expect(sent.length).toBeLessThan(CAPTURED_READ.length / 5);
    // Kept lines arrive as Claude Code numbered them.
    const failing = CAPTURED_READ.split('\n').find((line) => line.includes(ASSERTION))!;
    expect(sent.split('\n')).toContain(failing);

    const marker = /full output: (\S+\.txt)/.exec(sent);
    expect(marker, sent.slice(-400)).not.toBeNull();
    const file = marker![1]!;
    expect(file.startsWith(path.join(harness.stateDir, 'ccr'))).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(CAPTURED_READ);
  }, 60_000);
});
