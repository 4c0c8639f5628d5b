/**
 * The scenario of wrap-chat-agents.test.ts, run in its own network namespace (test/helpers/netns.ts):
 * `headroom wrap qwen` or `headroom wrap opencode`, piped (no terminal), against a fake OpenAI API on
 * loopback whose first answer is a shell call printing a 5,000-line failing test log and whose second is
 * the final text. Prints one JSON line: a `ChatAgentReport`.
 *
 * Usage: tsx test/e2e/netns/chat-agent.ts <scratch dir> <qwen|opencode> [wrap flag…]
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { startFakeOpenAI } from '../../helpers/fake-openai.js';
import { isolate } from '../../helpers/netns.js';
import { longFailingLog } from '../../helpers/outputs.js';
import {
  chatToolOutput,
  OFFLINE_OPENCODE_ENV,
  offlineQwenHome,
  opencodeBinDir,
  realAgentEnv,
} from '../../helpers/real-agents.js';
import { CHAT_AGENT_ANSWER, CHAT_AGENT_QUESTION, type ChatAgentReport } from './reports.js';

const scratch = process.argv[2]!;
const agent = process.argv[3] as 'qwen' | 'opencode';
const wrapFlags = process.argv.slice(4);
const net = await isolate(scratch);
const work = path.join(scratch, 'work');
const home = path.join(scratch, 'home');
const tmp = path.join(scratch, 'tmp');
await mkdir(work, { recursive: true });
await mkdir(tmp, { recursive: true });
await writeFile(path.join(work, 'npm-test.log'), longFailingLog());

const qwen = agent === 'qwen';
const shellTool = qwen ? 'run_shell_command' : 'bash';
const command = 'cat npm-test.log; exit 1';
/** The temp dir and headroom's session settings folders as the first model request found them. */
let tempDuringRun: Promise<string[]> = Promise.resolve([]);
let settingsDuringRun: Promise<string[]> = Promise.resolve([]);
const agentSettings = path.join(scratch, 'headroom', 'agent-settings');
const listed = (dir: string) => readdir(dir).catch(() => [] as string[]);
const fake = await startFakeOpenAI({
  replies: [
    {
      kind: 'tool_call',
      name: shellTool,
      arguments: JSON.stringify(
        qwen ? { command, is_background: false } : { command, description: 'Run the tests' },
      ),
    },
    { kind: 'text', text: CHAT_AGENT_ANSWER },
  ],
  fallback: { kind: 'error', status: 500, message: 'the script ran out', type: 'server_error' },
});
fake.http.once('request', () => {
  tempDuringRun = readdir(tmp);
  settingsDuringRun = listed(agentSettings);
});

let env: Record<string, string>;
let agentArgs: string[];
if (qwen) {
  await offlineQwenHome(home);
  env = realAgentEnv(scratch, { OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'gpt-5', TMPDIR: tmp });
  agentArgs = ['qwen', '-p', CHAT_AGENT_QUESTION, '--yolo'];
} else {
  await mkdir(home, { recursive: true });
  const bin = await opencodeBinDir(scratch);
  // opencode (on Bun) takes its project folder from PWD, which a shell sets and the test runner's env holds wrong.
  env = realAgentEnv(scratch, { OPENAI_API_KEY: 'sk-test', TMPDIR: tmp, PWD: work, ...OFFLINE_OPENCODE_ENV });
  env.PATH = [bin, env.PATH].join(path.delimiter);
  agentArgs = ['opencode', 'run', '--title', 'Failing test', '-m', 'headroom/gpt-5', CHAT_AGENT_QUESTION];
}
const run = await runCli(['wrap', '--openai-upstream', fake.url, ...wrapFlags, ...agentArgs], {
  env,
  cwd: work,
  timeout: 120_000,
});
await fake.close();
await net.close();

const calls = fake.modelRequests();
const outputs = calls.flatMap((req) => {
  try {
    return [chatToolOutput(req, shellTool)];
  } catch {
    return [];
  }
});
const report: ChatAgentReport = {
  isolation: net.isolation,
  lookups: net.lookups(),
  exitCode: run.exitCode,
  stdout: run.stdout.slice(-2000),
  stderr: run.stderr.slice(-4000),
  calls: calls.length,
  userAgents: calls.map((req) => String(req.headers['user-agent'] ?? '')),
  sent: outputs[0],
  tempDuringRun: await tempDuringRun,
  tempAfterRun: await readdir(tmp),
  settingsDuringRun: await settingsDuringRun,
  settingsAfterRun: await listed(agentSettings),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
