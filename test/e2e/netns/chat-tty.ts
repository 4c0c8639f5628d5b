/**
 * The Qwen Code and opencode scenarios of wrap-tty.test.ts, each run in its own network namespace
 * (test/helpers/netns.ts): a user starts `headroom wrap qwen --yolo` or `headroom wrap opencode` (its TUI)
 * on a terminal, asks which test fails, the agent runs the (fake) model's shell call printing the
 * 5,000-line failing test log of wrap-chat-agents.test.ts, shows the answer, and the user quits with the
 * agent's own command. Prints one JSON line: a `TtyReport`.
 *
 * Usage: tsx test/e2e/netns/chat-tty.ts <scratch dir> <qwen|opencode>
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakeOpenAI } from '../../helpers/fake-openai.js';
import type { RecordedRequest } from '../../helpers/fake-server.js';
import { isolate } from '../../helpers/netns.js';
import { longFailingLog } from '../../helpers/outputs.js';
import {
  chatToolOutput,
  OFFLINE_OPENCODE_ENV,
  offlineQwenHome,
  opencodeBinDir,
  realAgentEnv,
} from '../../helpers/real-agents.js';
import { CHAT_AGENT_ANSWER, CHAT_AGENT_QUESTION } from './reports.js';
import { printReport, wrapOnTerminal } from './terminal-session.js';

/** Each agent on a terminal: its shell tool, its prompt's placeholder (on screen whenever it waits for the
 * user), what it shows once a turn is over, its quit command and the arguments that start it. */
const AGENTS = {
  qwen: {
    shellTool: 'run_shell_command',
    idle: 'Type your message',
    turnOver: 'Type your message',
    quit: '/quit',
    args: ['qwen', '--yolo'],
  },
  opencode: {
    shellTool: 'bash',
    idle: 'Ask anything',
    // The footer of a finished answer: mode · model · time taken.
    turnOver: /▣ {2}Build · gpt-5 · [\d.]+m?s/,
    quit: '/exit',
    args: ['opencode', '-m', 'headroom/gpt-5'],
  },
} as const;

/** A turn of the session offers the model its tools; the agents' side calls (session titles) do not. */
const isTurn = (req: RecordedRequest): boolean => Array.isArray(req.json<{ tools?: unknown }>().tools);

const scratch = process.argv[2]!;
const name = process.argv[3] as keyof typeof AGENTS;
const agent = AGENTS[name];
const net = await isolate(scratch);
const work = path.join(scratch, 'work');
const home = path.join(scratch, 'home');
const tmp = path.join(scratch, 'tmp');
await mkdir(work, { recursive: true });
await mkdir(tmp, { recursive: true });
await mkdir(home, { recursive: true });
await writeFile(path.join(work, 'npm-test.log'), longFailingLog());

const command = 'cat npm-test.log; exit 1';
const fake = await startFakeOpenAI({
  replies: [
    {
      kind: 'tool_call',
      name: agent.shellTool,
      arguments: JSON.stringify(
        name === 'qwen' ? { command, is_background: false } : { command, description: 'Run the tests' },
      ),
    },
    { kind: 'text', text: CHAT_AGENT_ANSWER },
  ],
  fallback: { kind: 'error', status: 500, message: 'the script ran out', type: 'server_error' },
  aside: (req) => (isTurn(req) ? undefined : { kind: 'text', text: 'Failing test' }),
});

const env = realAgentEnv(scratch, { OPENAI_API_KEY: 'sk-test', TMPDIR: tmp });
// Both take a set CI variable as "not interactive".
delete env.CI;
if (name === 'qwen') {
  await offlineQwenHome(home);
  env.OPENAI_MODEL = 'gpt-5';
} else {
  Object.assign(env, OFFLINE_OPENCODE_ENV, { PWD: work });
  env.PATH = [await opencodeBinDir(scratch), env.PATH].join(path.delimiter);
}

const session = await wrapOnTerminal(
  scratch,
  ['--openai-upstream', fake.url, ...agent.args],
  work,
  env,
  async (terminal) => {
    await terminal.shows(agent.idle, 40_000);
    await terminal.type(CHAT_AGENT_QUESTION);
    await terminal.shows(CHAT_AGENT_ANSWER, 40_000);
    await terminal.shows(agent.turnOver, 10_000);
    await terminal.type(agent.quit);
  },
);
await fake.close();
await net.close();

printReport(
  session,
  net,
  { calls: fake.modelRequests(), isTurn, outputIn: (req) => chatToolOutput(req, agent.shellTool) },
  [],
);
