/**
 * `headroom wrap qwen` and `headroom wrap opencode` with the real agents (Qwen Code 0.15.10, opencode
 * 1.18.33), piped, each in a network namespace with only loopback (test/e2e/netns/chat-agent.ts): the
 * CLI starts its proxy and routes the agent to it over OpenAI chat completions; the proxy forwards to a
 * fake OpenAI API on loopback. The fake's first answer is a shell call printing a 5,000-line failing test
 * log (the assertion at line 3,100), its second the final text. Each agent, left alone, cuts that log and
 * loses the assertion (design note §10); wrapped, it sends the whole log and headroom chooses what to keep.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/ledger.js';
import { ensureBuilt } from '../helpers/cli.js';
import { runIsolated } from '../helpers/netns.js';
import { LONG_LOG_ASSERTION, longFailingLog } from '../helpers/outputs.js';
import { retrievalMarker, summarySaved } from '../helpers/real-agents.js';
import { CHAT_AGENT_ANSWER, type ChatAgentReport } from './netns/reports.js';

const SCENARIO = path.join(import.meta.dirname, 'netns', 'chat-agent.ts');
const LOG = longFailingLog();
const QWEN_HEAD = 'Command: cat npm-test.log; exit 1\nDirectory: (root)\nOutput: ';
const QWEN_TAIL = /\nError: \(none\)\nExit Code: 1\nSignal: \(none\)\nProcess Group PGID: \S+$/;

let scratchRoot: string;
let runs = 0;

beforeAll(async () => {
  await ensureBuilt();
  scratchRoot = await mkdtemp(path.join(tmpdir(), 'headroom-wrap-chat-'));
}, 120_000);

afterAll(async () => {
  await rm(scratchRoot, { recursive: true, force: true });
});

async function wrapIsolated(agent: 'qwen' | 'opencode', ...flags: string[]) {
  const scratch = path.join(scratchRoot, `${agent}-${++runs}`);
  await mkdir(scratch);
  const { report } = await runIsolated<ChatAgentReport>(SCENARIO, scratch, 150_000, agent, ...flags);
  expect(report.isolation.interfaces).toEqual(['lo']);
  expect(report.exitCode, report.stderr).toBe(0);
  expect(report.stdout).toContain(CHAT_AGENT_ANSWER);
  expect(report.calls).toBe(2);
  return { report, scratch };
}

/** The output within the budget, the assertion kept on its line, a marker naming the whole original. */
async function expectBudgeted(sent: string | undefined, budget: number): Promise<string> {
  expect(sent).toBeDefined();
  expect(sent!.length).toBeLessThanOrEqual(budget);
  expect(sent).toContain(`\n${LONG_LOG_ASSERTION}\n`);
  const marker = retrievalMarker(sent!);
  expect(marker, sent!.slice(-400)).toBeDefined();
  const original = await readFile(marker!.file, 'utf8');
  // Qwen Code trims the output it puts in its envelope.
  expect(original).toContain(LOG.trim());
  return original;
}

/** The summary on exit and one ledger line per request, under the agent's name. */
async function expectAccounted(report: ChatAgentReport, scratch: string, agent: string): Promise<void> {
  const summary = summarySaved(report.stderr);
  expect(summary, report.stderr.slice(-1500)).toBeDefined();
  expect(summary!.requests).toBe(2);
  expect(summary!.saved).toBeGreaterThan(100_000);
  const { entries } = await readLedger(path.join(scratch, 'headroom'));
  expect(entries.map((e) => [e.agent, e.provider, e.path, e.status])).toEqual(
    Array(2).fill([agent, 'openai', '/v1/chat/completions', 200]),
  );
  expect(entries[1]!.tokensSaved).toBeGreaterThan(100_000);
}

describe('headroom wrap qwen, with the real Qwen Code', () => {
  it('sends the whole log through the proxy, held to 25,000 characters with the assertion kept', async () => {
    const { report, scratch } = await wrapIsolated('qwen');
    expect(report.lookups).toEqual([]);
    expect(report.userAgents.every((ua) => ua.startsWith('QwenCode/0.15.10'))).toBe(true);
    const sent = report.sent!;
    expect(sent.startsWith(QWEN_HEAD)).toBe(true);
    expect(sent).toMatch(QWEN_TAIL);
    expect(sent).not.toContain('Tool output was too large');
    const original = await expectBudgeted(sent, 25_000);
    // Qwen Code sent the whole envelope, the last line of the log included: its cuts were lifted.
    expect(original.startsWith(`${QWEN_HEAD}${LOG.trim()}`)).toBe(true);
    expect(original).toMatch(QWEN_TAIL);
    await expectAccounted(report, scratch, 'qwen');
    // The session's settings file lived in a private folder of the state dir while Qwen Code ran, and
    // went with it; nothing of headroom's was in the temp dir.
    expect(report.settingsDuringRun.filter((name) => name.startsWith('qwen-'))).toHaveLength(1);
    expect(report.settingsAfterRun).toEqual([]);
    expect([...report.tempDuringRun, ...report.tempAfterRun].some((n) => n.startsWith('headroom-'))).toBe(
      false,
    );
  }, 180_000);

  it('with --no-qwen-budget keeps Qwen Code’s own cut, its note verbatim', async () => {
    const { report } = await wrapIsolated('qwen', '--no-qwen-budget');
    expect(report.tempDuringRun).toEqual([]);
    expect(report.settingsDuringRun).toEqual([]);
    const sent = report.sent!;
    expect(sent.startsWith('Tool output was too large and has been truncated.\n')).toBe(true);
    expect(sent).toContain(`\nTruncated part of the output:\n${QWEN_HEAD}`);
    // What its own cut does to the log: the assertion in the middle is gone.
    expect(sent).not.toContain(LONG_LOG_ASSERTION);
  }, 180_000);
});

describe('headroom wrap opencode, with the real opencode', () => {
  it('sends the whole log through the headroom provider, held to 51,200 characters with the assertion kept', async () => {
    const { report, scratch } = await wrapIsolated('opencode');
    // opencode tries to install a plugin package in the background: the namespace refuses it.
    expect(report.lookups.filter((name) => name !== 'registry.npmjs.org')).toEqual([]);
    expect(report.userAgents.every((ua) => ua.startsWith('opencode/1.18.33'))).toBe(true);
    const sent = report.sent!;
    expect(sent).not.toContain('...output truncated...');
    expect(sent.startsWith(LOG.slice(0, 200))).toBe(true);
    const original = await expectBudgeted(sent, 51_200);
    expect(original.trimEnd()).toBe(LOG.trimEnd());
    await expectAccounted(report, scratch, 'opencode');
    expect([...report.tempDuringRun, ...report.tempAfterRun].some((n) => n.startsWith('headroom-'))).toBe(
      false,
    );
  }, 180_000);

  it('with --no-opencode-budget keeps opencode’s own cut, its note verbatim', async () => {
    const { report } = await wrapIsolated('opencode', '--no-opencode-budget');
    const sent = report.sent!;
    expect(sent).toMatch(/^\.\.\.output truncated\.\.\.\n\nFull output saved to: \S+\n\n/);
    // opencode keeps the tail only: the assertion at line 3,100 of 5,000 is gone.
    expect(sent).not.toContain(LONG_LOG_ASSERTION);
  }, 180_000);
});
