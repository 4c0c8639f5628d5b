/**
 * The Gemini CLI scenario of wrap-tty.test.ts, run in its own network namespace (test/helpers/netns.ts):
 * a user starts `headroom wrap gemini --yolo` on a terminal, asks which test fails, Gemini CLI runs the
 * (fake) model's `run_shell_command` call printing a 165 KB test log, shows the answer, and the user
 * types `/quit`. Prints one JSON line: a `TtyReport`.
 *
 * Usage: tsx test/e2e/netns/gemini-tty.ts <scratch dir>
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GEMINI_TEST_KEY } from '../../helpers/fake-gemini.js';
import type { RecordedRequest } from '../../helpers/fake-server.js';
import { isolate } from '../../helpers/netns.js';
import { realAgentEnv } from '../../helpers/real-agents.js';
import { GEMINI_QUESTION, geminiWorkspace } from './gemini-session.js';
import { GEMINI_ANSWER, GEMINI_MODEL } from './reports.js';
import { printReport, wrapOnTerminal } from './terminal-session.js';

/** Gemini CLI's prompt placeholder: on screen whenever it waits for the user. */
const IDLE = 'Type your message';

/** A turn of the session streams; Gemini CLI's side calls (routing, next-speaker checks) do not. */
const isTurn = (req: RecordedRequest): boolean => req.path.endsWith(':streamGenerateContent');

function shellOutputIn(req: RecordedRequest): string {
  type Part = { functionResponse?: { name?: string; response?: { output?: unknown } } };
  const contents = req.json<{ contents: { parts: Part[] }[] }>().contents;
  const response = contents
    .flatMap((c) => c.parts)
    .find((p) => p.functionResponse?.name === 'run_shell_command');
  const output = response?.functionResponse?.response?.output;
  if (typeof output !== 'string') throw new Error('no run_shell_command result');
  return output;
}

const scratch = process.argv[2]!;
const net = await isolate(scratch);
const { work, home, fake } = await geminiWorkspace(scratch, (req) =>
  isTurn(req) ? undefined : { kind: 'text', text: '{}' },
);
const env = realAgentEnv(scratch, { GEMINI_API_KEY: GEMINI_TEST_KEY });
// Gemini CLI takes a set CI variable as "not interactive" and waits for a prompt on stdin.
delete env.CI;

const session = await wrapOnTerminal(
  scratch,
  ['--gemini-upstream', fake.url, 'gemini', '--yolo', '--skip-trust', '-m', GEMINI_MODEL],
  work,
  env,
  async (terminal) => {
    await terminal.shows(IDLE, 40_000);
    await terminal.type(GEMINI_QUESTION);
    await terminal.shows(GEMINI_ANSWER, 40_000);
    await terminal.shows(IDLE, 10_000);
    await terminal.type('/quit');
  },
);
await fake.close();
await net.close();

// The sessions in Gemini CLI's own store: the whole id is on the first line of each chat file.
const chats = path.join(home, '.gemini', 'tmp', 'work', 'chats');
const sessions: string[] = [];
for (const name of await readdir(chats).catch(() => [] as string[])) {
  const first = (await readFile(path.join(chats, name), 'utf8')).split('\n')[0]!;
  sessions.push((JSON.parse(first) as { sessionId: string }).sessionId);
}
printReport(session, net, { calls: fake.modelRequests(), isTurn, outputIn: shellOutputIn }, sessions);
