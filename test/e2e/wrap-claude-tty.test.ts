/**
 * `headroom wrap claude` on a terminal, as a user runs it: the real Claude Code interactive in a tmux pane,
 * a question, the (fake) model's Bash call printing a 20 KB test log, the answer, `/exit`, then headroom's
 * savings summary and the wrapped resume command. Interactive Claude Code looks up outside hosts that no
 * setting turns off (release check, plugin marketplace), so the whole scenario runs in a network
 * namespace with only loopback: test/e2e/netns/claude-tty.ts, through test/helpers/netns.ts.
 */
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { runIsolated } from '../helpers/netns.js';
import { retrievalMarker, summarySaved } from '../helpers/real-agents.js';
import { CLAUDE_ANSWER, CLAUDE_LOG, type TtyReport } from './netns/reports.js';

const SCENARIO = path.join(import.meta.dirname, 'netns', 'claude-tty.ts');

let scratch: string;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'headroom-wrap-claude-tty-')));
}, 120_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

it('runs an interactive Claude Code session on a terminal, compressed, then prints the summary and resume hint', async () => {
  const { report } = await runIsolated<TtyReport>(SCENARIO, scratch, 100_000);
  const { screen } = report;
  expect(report.error, screen).toBeUndefined();
  // Cut off: loopback only, and an outside name does not resolve.
  expect(report.isolation.interfaces).toEqual(['lo']);
  expect(report.isolation.outsideLookup).toBe('EAI_AGAIN');
  // The model's traffic went through headroom only: Claude Code never looked for the real API.
  expect(report.lookups).not.toContain('api.anthropic.com');

  expect(screen).toContain(CLAUDE_ANSWER);
  expect(report.exitCode).toBe(0);
  expect(report.turns).toBe(2);
  const sent = report.sent!;
  expect(sent, 'the Bash output never reached the provider').toBeDefined();
  expect(sent.length).toBeLessThan(CLAUDE_LOG.length / 4);
  expect(sent).toContain('→ AssertionError: expected 90 to be 81 // Object.is equality');
  const marker = retrievalMarker(sent);
  expect(marker, sent.slice(-300)).toBeDefined();
  expect(await readFile(marker!.file, 'utf8')).toBe(CLAUDE_LOG.trimEnd()); // Bash's output as Claude Code sends it

  // What the user reads once Claude Code is gone: headroom's summary, then how to come back through it.
  const summary = summarySaved(screen);
  expect(summary, screen).toBeDefined();
  expect(summary!.requests).toBe(report.turns + report.asides);
  expect(summary!.saved).toBeGreaterThan(0);
  expect(report.sessions).toHaveLength(1);
  const id = report.sessions[0]!;
  expect(screen).toContain(`claude --resume ${id}`);
  expect(screen).toContain(`headroom: to resume through headroom, run: headroom wrap claude --resume ${id}`);
  expect(screen.indexOf('headroom · claude session')).toBeGreaterThan(
    screen.indexOf(`claude --resume ${id}`),
  );
}, 120_000);
