/**
 * `headroom wrap claude` on a terminal, with the real Claude Code run interactively in a tmux pane (its
 * own pseudo-terminal, so the test needs none): a prompt, the fake provider's answer, `/exit`, then the
 * wrapped resume command that `wrap` found in Claude Code's own session store.
 */
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../helpers/cli.js';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { realAgentEnv } from '../helpers/real-agents.js';
import { hasTmux, openTerminal, type Terminal } from '../helpers/tmux.js';

const ANSWER = 'The fake provider says hello.';
const KEY = 'sk-ant-test-tty-0123456789abcdefghij';

let scratch: string;
let fake: FakeAnthropic | undefined;
let terminal: Terminal | undefined;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'headroom-wrap-tty-')));
});

afterAll(async () => {
  await terminal?.close();
  await fake?.close();
  await rm(scratch, { recursive: true, force: true });
});

it.skipIf(!hasTmux)(
  'prints the wrapped resume command after an interactive Claude Code session on a terminal',
  async () => {
    fake = await startFakeAnthropic({ fallback: { kind: 'text', text: ANSWER } });
    const work = path.join(scratch, 'work');
    const config = path.join(scratch, 'claude-config');
    await mkdir(path.join(scratch, 'home'), { recursive: true });
    await mkdir(work);
    await mkdir(config);
    // First-run screens answered in advance: onboarding done, this key approved, this folder trusted.
    await writeFile(
      path.join(config, '.claude.json'),
      JSON.stringify({
        hasCompletedOnboarding: true,
        theme: 'dark',
        customApiKeyResponses: { approved: [KEY.slice(-20)], rejected: [] },
        projects: { [work]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
      }),
    );
    const env = realAgentEnv(scratch, {
      ANTHROPIC_API_KEY: KEY,
      CLAUDE_CONFIG_DIR: config,
      IS_SANDBOX: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    });
    const command = `'${process.execPath}' '${BIN}' wrap --anthropic-upstream '${fake.url}' claude; echo WRAP-EXITED-$?; sleep 60`;
    terminal = await openTerminal(`headroom-tty-${path.basename(scratch)}`, command, work, env);

    await terminal.shows('❯', 30_000);
    await terminal.type('say hello');
    await terminal.shows(ANSWER, 30_000);
    await terminal.type('/exit');
    const screen = await terminal.shows('WRAP-EXITED-', 30_000);

    const sessions = await readdir(path.join(config, 'projects', work.replace(/[^a-zA-Z0-9]/g, '-')));
    const ids = sessions
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => name.slice(0, -'.jsonl'.length));
    expect(ids).toHaveLength(1);
    expect(screen).toContain('WRAP-EXITED-0');
    // Claude Code's own hint, written straight to the terminal, names the same session.
    expect(screen).toContain(`claude --resume ${ids[0]}`);
    expect(screen).toContain(
      `headroom: to resume through headroom, run: headroom wrap claude --resume ${ids[0]}`,
    );
  },
  120_000,
);
