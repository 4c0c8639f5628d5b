/**
 * `headroom wrap claude|codex|gemini|qwen|opencode` on a terminal, as a user runs them: the real agent
 * interactive in a tmux pane, a question, the (fake) model's call of a command printing a big test log,
 * the answer, the agent's own quit command, then headroom's savings summary (and, where wrap gives one,
 * the wrapped resume command). Interactive agents look up outside hosts that no setting turns off
 * (release check, plugin marketplace, tooltips; registry.npmjs.org for Qwen Code and opencode), so each
 * scenario runs in a network namespace with only loopback: the scenarios are in test/e2e/netns/, run
 * through test/helpers/netns.ts, and report what happened as JSON.
 */
import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { runIsolated } from '../helpers/netns.js';
import { LONG_LOG_ASSERTION, longFailingLog } from '../helpers/outputs.js';
import { retrievalMarker, summarySaved } from '../helpers/real-agents.js';
import {
  CHAT_AGENT_ANSWER,
  CLAUDE_ANSWER,
  CLAUDE_LOG,
  CODEX_LOG,
  GEMINI_ANSWER,
  GEMINI_LOG,
  type TtyReport,
} from './netns/reports.js';

const LONG_LOG = longFailingLog();

/** Codex's header on a command's output, before the output itself. */
const CODEX_HEADER =
  /^Chunk ID: \w+\nWall time: [\d.]+ seconds\nProcess exited with code 1\nOriginal token count: \d+\nOutput:\n/;

let scratch: string | undefined;

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterEach(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** Runs the scenario `name` (test/e2e/netns/<name>.ts) and checks what every scenario must show. */
async function playScenario(name: string, ...args: string[]): Promise<TtyReport> {
  scratch = await realpath(await mkdtemp(path.join(tmpdir(), `headroom-${name}-`)));
  const { report } = await runIsolated<TtyReport>(
    path.join(import.meta.dirname, 'netns', `${name}.ts`),
    scratch,
    100_000,
    ...args,
  );
  expect(report.error, report.screen).toBeUndefined();
  // Cut off: loopback only, and an outside name does not resolve.
  expect(report.isolation.interfaces).toEqual(['lo']);
  expect(report.isolation.outsideLookup).toBe('EAI_AGAIN');
  // The model's traffic went through headroom only: neither the agent nor headroom looked for a real API.
  expect(report.lookups).not.toContain('api.anthropic.com');
  expect(report.lookups).not.toContain('api.openai.com');
  expect(report.lookups).not.toContain('generativelanguage.googleapis.com');
  expect(report.exitCode).toBe(0);
  expect(report.turns).toBe(2);
  expect(report.sent, 'the command output never reached the provider').toBeDefined();
  return report;
}

/** The compressed output names where its original is kept; the original there, as the agent sent it. */
async function originalOf(sent: string): Promise<string> {
  const marker = retrievalMarker(sent);
  expect(marker, sent.slice(-300)).toBeDefined();
  return readFile(marker!.file, 'utf8');
}

/** What the user reads once the agent is gone: headroom's summary, then how to come back through it. */
function expectSummaryAndResume(report: TtyReport, agentHint: string, wrappedHint: string): void {
  const { screen } = report;
  const summary = summarySaved(screen);
  expect(summary, screen).toBeDefined();
  expect(summary!.requests).toBe(report.turns + report.asides);
  expect(summary!.saved).toBeGreaterThan(0);
  expect(report.sessions).toHaveLength(1);
  const id = report.sessions[0]!;
  expect(screen).toContain(`${agentHint} ${id}`);
  expect(screen).toContain(`headroom: to resume through headroom, run: ${wrappedHint} ${id}`);
  expect(screen.indexOf('headroom: to resume')).toBeGreaterThan(screen.indexOf(`${agentHint} ${id}`));
}

/**
 * What Qwen Code and opencode leave on the terminal: once the agent has said how to continue its
 * session, headroom's summary; and the shell output as it reached the provider, within
 * `budget` with the assertion of the log kept, the whole log kept where its marker says.
 */
async function expectChatSession(report: TtyReport, agent: string, goodbye: string, budget: number) {
  const { screen } = report;
  const sent = report.sent!;
  expect(sent.length).toBeLessThanOrEqual(budget);
  expect(sent).toContain(`\n${LONG_LOG_ASSERTION}\n`);
  const original = await originalOf(sent);
  // Qwen Code trims the output it puts in its envelope.
  expect(original).toContain(LONG_LOG.trim());
  const summary = summarySaved(screen);
  expect(summary, screen).toBeDefined();
  expect(summary!.requests).toBe(report.turns + report.asides);
  expect(summary!.saved).toBeGreaterThan(100_000);
  expect(screen).toContain(goodbye);
  expect(screen.indexOf(`headroom · ${agent} session`)).toBeGreaterThan(screen.indexOf(goodbye));
  // The agent's temp dir holds none of headroom's private folders after the session.
  const temp = await readdir(path.join(scratch!, 'tmp'));
  expect(temp.filter((name) => name.startsWith('headroom-'))).toEqual([]);
  return { sent, original };
}

describe('headroom wrap on a terminal, with the real agents, cut off from any outside host', () => {
  it('runs an interactive Claude Code session, compressed, then prints the summary and resume hint', async () => {
    const report = await playScenario('claude-tty');
    expect(report.screen).toContain(CLAUDE_ANSWER);
    const sent = report.sent!;
    expect(sent.length).toBeLessThan(CLAUDE_LOG.length / 4);
    expect(sent).toContain('→ AssertionError: expected 90 to be 81 // Object.is equality');
    // Bash's output as Claude Code sends it: without the final newline.
    expect(await originalOf(sent)).toBe(CLAUDE_LOG.trimEnd());
    expectSummaryAndResume(report, 'claude --resume', 'headroom wrap claude --resume');
  }, 120_000);

  it('runs an interactive Codex session, compressed, then prints the summary and resume hint', async () => {
    // Seeing the answer is one of the scenario's steps: the TUI's alternate screen is gone once Codex exits.
    const report = await playScenario('codex-tty');
    const sent = report.sent!;
    expect(sent).toMatch(CODEX_HEADER);
    expect(sent.length).toBeLessThan(CODEX_LOG.length / 4);
    expect(sent).toContain('Error: expected 10.05 to equal 10.06');
    expect((await originalOf(sent)).endsWith(`\nOutput:\n${CODEX_LOG}`)).toBe(true);
    expectSummaryAndResume(report, 'codex resume', 'headroom wrap codex resume');
  }, 120_000);

  it('runs an interactive Gemini CLI session, compressed within its budget, then the summary and resume hint', async () => {
    const report = await playScenario('gemini-tty');
    expect(report.screen).toContain(GEMINI_ANSWER);
    const sent = report.sent!;
    expect(sent.startsWith('<untrusted_context>\nOutput: ')).toBe(true);
    expect(sent.length).toBeLessThanOrEqual(40_000);
    expect(sent).toContain('Error: expected 10.05 to equal 10.06');
    // The whole log: wrap turned off Gemini CLI's pseudo-terminal shell, which lost its end.
    expect(
      (await originalOf(sent)).startsWith(`<untrusted_context>\nOutput: ${GEMINI_LOG}\nExit Code: 1`),
    ).toBe(true);
    expectSummaryAndResume(report, 'gemini --resume', 'headroom wrap gemini --resume');
  }, 120_000);

  it('runs an interactive Qwen Code session (wrap qwen), compressed within its budget, then the summary', async () => {
    const report = await playScenario('chat-tty', 'qwen');
    expect(report.screen).toContain(CHAT_AGENT_ANSWER);
    const { sent } = await expectChatSession(
      report,
      'qwen',
      'To continue this session, run qwen --resume',
      25_000,
    );
    expect(sent.startsWith('Command: cat npm-test.log; exit 1\nDirectory: (root)\nOutput: ')).toBe(true);
    expect(sent).not.toContain('Tool output was too large');
    // The user's own Qwen Code settings hold what they held (Qwen Code stamps its format version on them).
    const userSettings = await readFile(path.join(scratch!, 'home', '.qwen', 'settings.json'), 'utf8');
    const { $version: _, ...own } = JSON.parse(userSettings) as Record<string, unknown>;
    expect(own).toEqual({ privacy: { usageStatisticsEnabled: false } });
  }, 120_000);

  it('runs an interactive opencode TUI session (wrap opencode), compressed within its budget, then the summary', async () => {
    // Seeing the answer is one of the scenario's steps: the TUI's alternate screen is gone once opencode exits.
    const report = await playScenario('chat-tty', 'opencode');
    const { sent, original } = await expectChatSession(
      report,
      'opencode',
      'Continue  opencode -s ses_',
      51_200,
    );
    expect(sent).not.toContain('...output truncated...');
    expect(sent.startsWith(LONG_LOG.slice(0, 200))).toBe(true);
    expect(original.trimEnd()).toBe(LONG_LOG.trimEnd());
    // The session's config went in an environment variable: no config file was written for it.
    expect(await readdir(path.join(scratch!, 'work'))).toEqual(['npm-test.log']);
    const configDir = await readdir(path.join(scratch!, 'home', '.config', 'opencode')).catch(() => []);
    expect(configDir.filter((name) => !name.startsWith('.'))).toEqual([]);
  }, 120_000);
});
