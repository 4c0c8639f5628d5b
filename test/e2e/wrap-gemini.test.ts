/**
 * `headroom wrap gemini` with the real Gemini CLI (0.61, a dev dependency), its output piped: the CLI
 * starts its proxy, routes Gemini CLI to it (`GOOGLE_GEMINI_BASE_URL`, settings for this session only),
 * and the proxy forwards to a fake Gemini API on loopback (`--gemini-upstream`). The fake's first answer
 * is a `run_shell_command` call printing a 165 KB failing test log, its second the final text. Gemini CLI
 * looks up outside hosts unless told not to, so the run happens in a network namespace with only
 * loopback (test/helpers/netns.ts, scenario test/e2e/netns/gemini-pipe.ts).
 */
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { GEMINI_TEST_KEY } from '../helpers/fake-gemini.js';
import { runIsolated } from '../helpers/netns.js';
import { retrievalMarker, summarySaved } from '../helpers/real-agents.js';
import { rootOnlyParent } from '../helpers/root-only-dir.js';
import { GEMINI_ANSWER, GEMINI_LOG, GEMINI_MODEL, type GeminiPipeReport } from './netns/reports.js';

/** Gemini CLI cuts shell output over this many characters by itself; wrap's default budget matches it. */
const BUDGET = 40_000;
const ASSERTION = 'Error: expected 10.05 to equal 10.06';
const ENVELOPE_HEAD = '<untrusted_context>\nOutput: ';
const ENVELOPE_TAIL = /\nExit Code: 1\nProcess Group PGID: \d+\n<\/untrusted_context>$/;
/** The note Gemini CLI puts above an output it cut itself. */
const GEMINI_CUT = /Output too large\. Showing first [\d,]+ and last [\d,]+ characters/;

let scratch: string | undefined;

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterEach(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

type Json = Record<string, unknown>;

/** The `run_shell_command` result in a Gemini request body. */
function shellResult(body: string): string {
  const contents = (JSON.parse(body) as { contents: { parts: Json[] }[] }).contents;
  for (const part of contents.flatMap((c) => c.parts)) {
    const response = part.functionResponse as { name?: string; response?: { output?: unknown } } | undefined;
    if (response?.name === 'run_shell_command' && typeof response.response?.output === 'string')
      return response.response.output;
  }
  throw new Error('no run_shell_command result in the request');
}

async function wrapGemini(wrapFlags: string[] = [], stateHome?: string): Promise<GeminiPipeReport> {
  scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'headroom-wrap-gemini-')));
  const { report } = await runIsolated<GeminiPipeReport>(
    path.join(import.meta.dirname, 'netns', 'gemini-pipe.ts'),
    scratch,
    110_000,
    JSON.stringify(wrapFlags),
    ...(stateHome ? [stateHome] : []),
  );
  expect(report.isolation.interfaces).toEqual(['lo']);
  expect(report.isolation.outsideLookup).toBe('EAI_AGAIN');
  // Every model call went through headroom: nothing looked for the real API.
  expect(report.lookups).not.toContain('generativelanguage.googleapis.com');
  expect(report.exitCode, report.stderr.slice(-2000)).toBe(0);
  expect(report.stdout).toContain(GEMINI_ANSWER);
  expect(report.calls.map((c) => c.url)).toEqual([
    `/v1beta/models/${GEMINI_MODEL}:streamGenerateContent?alt=sse`,
    `/v1beta/models/${GEMINI_MODEL}:streamGenerateContent?alt=sse`,
  ]);
  // The user's own Gemini settings are as they were, and the session's are gone.
  expect(report.userSettings).toBe(report.userSettingsBefore);
  expect(report.leftInState).toEqual([]);
  return report;
}

describe('headroom wrap gemini, with the real Gemini CLI, cut off from any outside host', () => {
  it('gets the failing assertion to the provider within the budget, with a marker, a ledger line and a summary', async () => {
    const report = await wrapGemini();
    // Not root-owned all the way up (the scratch dir is under /tmp): a stand-in home, its .gemini linked.
    expect(report.calls[0]!.body).toMatch(/agent-settings\/gemini-[^/]+\/home\/\.gemini\/tmp\//);
    const sent = shellResult(report.calls[1]!.body);
    expect(sent.startsWith(ENVELOPE_HEAD)).toBe(true);
    expect(sent).toMatch(ENVELOPE_TAIL);
    expect(sent.length).toBeLessThanOrEqual(BUDGET);
    expect(sent).toContain(ASSERTION);
    // Gemini CLI's own cut was lifted: headroom chose what to keep.
    expect(sent).not.toMatch(GEMINI_CUT);
    const marker = retrievalMarker(sent);
    expect(marker, sent.slice(-400)).toBeDefined();
    const original = await readFile(marker!.file, 'utf8');
    expect(original.startsWith(`${ENVELOPE_HEAD}${GEMINI_LOG}`)).toBe(true);

    const ledger = report.ledger.map((line) => JSON.parse(line) as Json);
    expect(ledger).toHaveLength(2);
    expect(ledger[1]).toMatchObject({
      agent: 'gemini',
      provider: 'gemini',
      model: GEMINI_MODEL,
      path: `/v1beta/models/${GEMINI_MODEL}:streamGenerateContent`,
      status: 200,
      stream: 'completed',
    });
    expect(ledger[1]!.tokensSaved as number).toBeGreaterThan((ledger[1]!.tokensBefore as number) / 2);
    expect((ledger[1]!.usage as Json).inputTokens as number).toBeGreaterThan(0);
    expect(report.ledger.join('\n')).not.toContain(GEMINI_TEST_KEY);

    const summary = summarySaved(report.stderr);
    expect(summary, report.stderr.slice(-1500)).toBeDefined();
    expect(summary!.requests).toBe(2);
    expect(summary!.saved).toBeGreaterThan(0);
    expect(report.stderr).toContain('headroom · gemini session');
  }, 120_000);

  it("with --no-gemini-budget, Gemini CLI's own cut stays and the assertion is lost before headroom sees it", async () => {
    const report = await wrapGemini(['--no-gemini-budget']);
    const sent = shellResult(report.calls[1]!.body);
    expect(sent).toMatch(GEMINI_CUT);
    expect(sent).not.toContain(ASSERTION);
  }, 120_000);

  it.runIf(process.getuid?.() === 0)(
    'as root with a state dir only root can write, a system settings file routes it and the user home is the real one',
    async () => {
      const stateHome = await mkdtemp(path.join(await rootOnlyParent(), 'headroom-gemini-state-'));
      try {
        const report = await wrapGemini([], stateHome);
        expect(report.calls[0]!.body).not.toContain('agent-settings');
        const sent = shellResult(report.calls[1]!.body);
        expect(sent.length).toBeLessThanOrEqual(BUDGET);
        expect(sent).toContain(ASSERTION);
        expect(sent).not.toMatch(GEMINI_CUT);
      } finally {
        await rm(stateHome, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
