/**
 * The Qwen Code scenario of wrap-tty.test.ts, run in its own network namespace (test/helpers/netns.ts):
 * a user starts `headroom wrap qwen --yolo` on a terminal, asks which test fails, Qwen Code runs the
 * (fake) model's `run_shell_command` call printing a 5,000-line failing test log, shows the answer, and
 * the user types `/quit`. Prints one JSON line: a `TtyReport`.
 *
 * Usage: tsx test/e2e/netns/qwen-tty.ts <scratch dir>
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakeOpenAI } from '../../helpers/fake-openai.js';
import type { RecordedRequest } from '../../helpers/fake-server.js';
import { isolate } from '../../helpers/netns.js';
import { longFailingLog } from '../../helpers/outputs.js';
import { chatToolOutput, offlineQwenHome, realAgentEnv } from '../../helpers/real-agents.js';
import { CHAT_AGENT_ANSWER, CHAT_AGENT_QUESTION } from './reports.js';
import { printReport, wrapOnTerminal } from './terminal-session.js';

/** Qwen Code's prompt placeholder: on screen whenever it waits for the user. */
const IDLE = 'Type your message';

/** A turn of the session offers the model its tools; Qwen Code's side calls do not. */
const isTurn = (req: RecordedRequest): boolean => Array.isArray(req.json<{ tools?: unknown }>().tools);

const scratch = process.argv[2]!;
const net = await isolate(scratch);
const work = path.join(scratch, 'work');
const home = path.join(scratch, 'home');
const tmp = path.join(scratch, 'tmp');
await mkdir(work, { recursive: true });
await mkdir(tmp, { recursive: true });
await writeFile(path.join(work, 'npm-test.log'), longFailingLog());
await offlineQwenHome(home);

const command = 'cat npm-test.log; exit 1';
const fake = await startFakeOpenAI({
  replies: [
    {
      kind: 'tool_call',
      name: 'run_shell_command',
      arguments: JSON.stringify({ command, is_background: false }),
    },
    { kind: 'text', text: CHAT_AGENT_ANSWER },
  ],
  fallback: { kind: 'error', status: 500, message: 'the script ran out', type: 'server_error' },
  aside: (req) => (isTurn(req) ? undefined : { kind: 'text', text: '{}' }),
});
const env = realAgentEnv(scratch, { OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'gpt-5', TMPDIR: tmp });
// Qwen Code, like Gemini CLI, takes a set CI variable as "not interactive" and waits for stdin.
delete env.CI;

const session = await wrapOnTerminal(
  scratch,
  ['--openai-upstream', fake.url, 'qwen', '--yolo'],
  work,
  env,
  async (terminal) => {
    await terminal.shows(IDLE, 40_000);
    await terminal.type(CHAT_AGENT_QUESTION);
    await terminal.shows(CHAT_AGENT_ANSWER, 40_000);
    await terminal.shows(IDLE, 10_000);
    await terminal.type('/quit');
  },
);
await fake.close();
await net.close();

printReport(
  session,
  net,
  { calls: fake.modelRequests(), isTurn, outputIn: (req) => chatToolOutput(req, 'run_shell_command') },
  [],
);
