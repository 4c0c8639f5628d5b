/**
 * `headroom wrap claude` on a terminal, with the real Claude Code run interactively in a tmux pane (its
 * own pseudo-terminal, so the test needs none): a prompt, the fake provider's answer, `/exit`, then the
 * wrapped resume command that `wrap` found in Claude Code's own session store.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../helpers/cli.js';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { realAgentEnv } from '../helpers/real-agents.js';

const run = promisify(execFile);
/** tmux gives the agent a terminal of its own; without it this test cannot run. */
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const ANSWER = 'The fake provider says hello.';
const KEY = 'sk-ant-test-tty-0123456789abcdefghij';

let scratch: string;
let fake: FakeAnthropic | undefined;
let socket: string;
let env: Record<string, string>;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'headroom-wrap-tty-')));
  socket = `headroom-tty-${path.basename(scratch)}`;
});

afterAll(async () => {
  await run('tmux', ['-L', socket, 'kill-server'], { env }).catch(() => undefined);
  await fake?.close();
  await rm(scratch, { recursive: true, force: true });
});

const tmux = async (...args: string[]): Promise<string> =>
  (await run('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env })).stdout;

async function screenShows(text: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = await tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 'wrap');
    if (screen.includes(text)) return screen;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`"${text}" never appeared; the screen:\n${screen}`);
}

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
    env = realAgentEnv(scratch, {
      ANTHROPIC_API_KEY: KEY,
      CLAUDE_CONFIG_DIR: config,
      IS_SANDBOX: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    });
    const command = `'${process.execPath}' '${BIN}' wrap --anthropic-upstream '${fake.url}' claude; echo WRAP-EXITED-$?; sleep 60`;
    await tmux('new-session', '-d', '-s', 'wrap', '-x', '160', '-y', '50', '-c', work, command);

    await screenShows('❯', 30_000);
    await tmux('send-keys', '-t', 'wrap', '-l', 'say hello');
    await tmux('send-keys', '-t', 'wrap', 'Enter');
    await screenShows(ANSWER, 30_000);
    await tmux('send-keys', '-t', 'wrap', '-l', '/exit');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await tmux('send-keys', '-t', 'wrap', 'Enter');
    const screen = await screenShows('WRAP-EXITED-', 30_000);

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
