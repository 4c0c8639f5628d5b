/**
 * `headroom wrap codex` on a terminal, as a user runs it: the real Codex TUI in a tmux pane, a question,
 * the (fake) model's `exec_command` call printing a 40 KB test log, the answer, `/quit`, then headroom's
 * savings summary and the wrapped resume command. The Codex TUI looks up an outside host that no setting
 * turns off (its tooltips), so the whole scenario runs in a network namespace with only loopback:
 * test/e2e/netns/codex-tty.ts, through test/helpers/netns.ts.
 */
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { runIsolated } from '../helpers/netns.js';
import { retrievalMarker, summarySaved } from '../helpers/real-agents.js';
import { CODEX_LOG, type TtyReport } from './netns/reports.js';

const SCENARIO = path.join(import.meta.dirname, 'netns', 'codex-tty.ts');
/** Codex's header on a command's output, before the output itself. */
const HEADER =
  /^Chunk ID: \w+\nWall time: [\d.]+ seconds\nProcess exited with code 1\nOriginal token count: \d+\nOutput:\n/;

let scratch: string;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'headroom-wrap-codex-tty-')));
}, 120_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

it('runs an interactive Codex session on a terminal, compressed, then prints the summary and resume hint', async () => {
  const { report } = await runIsolated<TtyReport>(SCENARIO, scratch, 100_000);
  const { screen } = report;
  // The steps include seeing the answer in the TUI (on its alternate screen, gone once Codex exits).
  expect(report.error, screen).toBeUndefined();
  expect(report.isolation.interfaces).toEqual(['lo']);
  expect(report.isolation.outsideLookup).toBe('EAI_AGAIN');
  // The model's traffic went through headroom only: Codex never looked for the real API.
  expect(report.lookups).not.toContain('api.openai.com');

  expect(report.exitCode).toBe(0);
  expect(report.turns).toBe(2);
  const sent = report.sent!;
  expect(sent, 'the command output never reached the provider').toBeDefined();
  expect(sent).toMatch(HEADER);
  expect(sent.length).toBeLessThan(CODEX_LOG.length / 4);
  expect(sent).toContain('Error: expected 10.05 to equal 10.06');
  const marker = retrievalMarker(sent);
  expect(marker, sent.slice(-300)).toBeDefined();
  expect((await readFile(marker!.file, 'utf8')).endsWith(`\nOutput:\n${CODEX_LOG}`)).toBe(true);

  // What the user reads once Codex is gone: headroom's summary, then how to come back through it.
  const summary = summarySaved(screen);
  expect(summary, screen).toBeDefined();
  expect(summary!.requests).toBe(report.turns + report.asides);
  expect(summary!.saved).toBeGreaterThan(0);
  expect(report.sessions).toHaveLength(1);
  const id = report.sessions[0]!;
  expect(screen).toContain(`codex resume ${id}`);
  expect(screen).toContain(`headroom: to resume through headroom, run: headroom wrap codex resume ${id}`);
  expect(screen.indexOf('headroom · codex session')).toBeGreaterThan(screen.indexOf(`codex resume ${id}`));
}, 120_000);
