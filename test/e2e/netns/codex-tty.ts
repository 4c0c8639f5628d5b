/**
 * The Codex scenario of wrap-tty.test.ts, run in its own network namespace (test/helpers/netns.ts):
 * a user starts `headroom wrap codex` on a terminal, asks which test fails, the Codex TUI runs the (fake)
 * model's `exec_command` call printing a 34 KB test log, shows the answer, and the user types `/quit`.
 * Prints one JSON line: a `TtyReport`.
 *
 * Usage: tsx test/e2e/netns/codex-tty.ts <scratch dir>
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakeOpenAI } from '../../helpers/fake-openai.js';
import type { RecordedRequest } from '../../helpers/fake-server.js';
import { isolate } from '../../helpers/netns.js';
import { functionCallOutput, offlineCodexHome, realAgentEnv } from '../../helpers/real-agents.js';
import { CODEX_ANSWER, CODEX_LOG } from './reports.js';
import { printReport, wrapOnTerminal } from './terminal-session.js';

/** The Codex TUI's prompt placeholder: on screen whenever it waits for the user. */
const IDLE = 'Ask Codex to do anything';

/** The thread title the Codex TUI asks for: a request whose answer must fit a `{ title }` schema. */
function asksTitle(req: RecordedRequest): boolean {
  type Body = { text?: { format?: { schema?: { properties?: Record<string, unknown> } } } };
  return req.json<Body>().text?.format?.schema?.properties?.title !== undefined;
}

const scratch = process.argv[2]!;
const net = await isolate(scratch);
const work = path.join(scratch, 'work');
await mkdir(path.join(scratch, 'home'), { recursive: true });
await mkdir(work);
await writeFile(path.join(work, 'npm-test.log'), CODEX_LOG);
const home = await offlineCodexHome(path.join(scratch, 'codex-home'));
// First-run screens answered in advance: this folder trusted, an API key instead of a browser sign-in.
await writeFile(path.join(home, 'config.toml'), `\n[projects."${work}"]\ntrust_level = "trusted"\n`, {
  flag: 'a',
});
await writeFile(
  path.join(home, 'auth.json'),
  JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: 'sk-test' }),
);
const fake = await startFakeOpenAI({
  replies: [
    {
      kind: 'tool_call',
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: 'cat npm-test.log; exit 1' }),
    },
    { kind: 'text', text: CODEX_ANSWER },
  ],
  fallback: { kind: 'error', status: 500, message: 'the script ran out', type: 'server_error' },
  aside: (req) => (asksTitle(req) ? { kind: 'text', text: '{"title":"Failing test"}' } : undefined),
});
const env = realAgentEnv(scratch, { OPENAI_API_KEY: 'sk-test', CODEX_HOME: home });

const session = await wrapOnTerminal(
  scratch,
  ['--openai-upstream', fake.url, 'codex'],
  work,
  env,
  async (terminal) => {
    await terminal.shows(IDLE, 30_000);
    await terminal.type('Run the tests and tell me which one fails and why.');
    await terminal.shows(CODEX_ANSWER, 30_000);
    await terminal.shows(IDLE, 10_000);
    await terminal.type('/quit');
  },
);
await fake.close();
await net.close();

const files = await readdir(path.join(home, 'sessions'), { recursive: true }).catch(() => []);
printReport(
  session,
  net,
  { calls: fake.modelRequests(), isTurn: (req) => !asksTitle(req), outputIn: functionCallOutput },
  files.flatMap((name) => /rollout-.*-([0-9a-f-]{36})\.jsonl$/.exec(name)?.[1] ?? []),
);
