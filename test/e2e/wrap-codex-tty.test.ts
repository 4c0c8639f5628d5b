/**
 * `headroom wrap codex` on a terminal, with the real Codex TUI run in a tmux pane (its own
 * pseudo-terminal, so the test needs none): a prompt, the fake provider's answer, `/quit`, then the
 * wrapped resume command that `wrap` found in Codex's own session store.
 */
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../helpers/cli.js';
import { type FakeOpenAI, startFakeOpenAI } from '../helpers/fake-openai.js';
import { offlineCodexHome, realAgentEnv } from '../helpers/real-agents.js';
import { hasTmux, openTerminal, type Terminal } from '../helpers/tmux.js';

const ANSWER = 'The fake provider says hello.';
const IDLE = 'Ask Codex to do anything';

let scratch: string;
let fake: FakeOpenAI | undefined;
let terminal: Terminal | undefined;

beforeAll(async () => {
  await ensureBuilt();
  scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'headroom-wrap-codex-tty-')));
});

afterAll(async () => {
  await terminal?.close();
  await fake?.close();
  await rm(scratch, { recursive: true, force: true });
});

it.skipIf(!hasTmux)(
  'prints the wrapped resume command after an interactive Codex session on a terminal',
  async () => {
    fake = await startFakeOpenAI({ fallback: { kind: 'text', text: ANSWER } });
    const work = path.join(scratch, 'work');
    await mkdir(path.join(scratch, 'home'), { recursive: true });
    await mkdir(work);
    const home = await offlineCodexHome(path.join(scratch, 'codex-home'));
    // First-run screens answered in advance: this folder trusted, an API key instead of a browser sign-in.
    await writeFile(path.join(home, 'config.toml'), `\n[projects."${work}"]\ntrust_level = "trusted"\n`, {
      flag: 'a',
    });
    await writeFile(
      path.join(home, 'auth.json'),
      JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: 'sk-test' }),
    );
    const env = realAgentEnv(scratch, { OPENAI_API_KEY: 'sk-test', CODEX_HOME: home });
    const command = `'${process.execPath}' '${BIN}' wrap --openai-upstream '${fake.url}' codex; echo WRAP-EXITED-$?; sleep 60`;
    terminal = await openTerminal(`headroom-codex-tty-${path.basename(scratch)}`, command, work, env);

    await terminal.shows(IDLE, 30_000);
    await terminal.type('say hello');
    await terminal.shows(ANSWER, 30_000);
    await terminal.shows(IDLE, 30_000);
    await terminal.type('/quit');
    const screen = await terminal.shows('WRAP-EXITED-', 30_000);

    const files = await readdir(path.join(home, 'sessions'), { recursive: true });
    const ids = files.flatMap((name) => /rollout-.*-([0-9a-f-]{36})\.jsonl$/.exec(name)?.[1] ?? []);
    expect(ids).toHaveLength(1);
    expect(screen).toContain('WRAP-EXITED-0');
    // Codex's own hint, written straight to the terminal, names the same session.
    expect(screen).toContain(`codex resume ${ids[0]}`);
    expect(screen).toContain(
      `headroom: to resume through headroom, run: headroom wrap codex resume ${ids[0]}`,
    );
  },
  120_000,
);
