/**
 * The scenario of wrap-gemini.test.ts, run in its own network namespace (test/helpers/netns.ts): the
 * real Gemini CLI started by `headroom wrap gemini -p …` with its output piped, routed to a fake Gemini
 * API on loopback. The fake's first answer is a `run_shell_command` call printing a long failing test
 * log, its second the final text. Prints one JSON line: a `GeminiPipeReport`.
 *
 * Usage: tsx test/e2e/netns/gemini-pipe.ts <scratch dir> [wrap flags as one JSON array] [HEADROOM_HOME]
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BIN } from '../../helpers/cli.js';
import { GEMINI_TEST_KEY } from '../../helpers/fake-gemini.js';
import { isolate } from '../../helpers/netns.js';
import { realAgentEnv } from '../../helpers/real-agents.js';
import { GEMINI_QUESTION, geminiWorkspace } from './gemini-session.js';
import { GEMINI_MODEL, type GeminiPipeReport } from './reports.js';

const scratch = process.argv[2]!;
const wrapFlags = JSON.parse(process.argv[3] ?? '[]') as string[];
const stateHome = process.argv[4];
const net = await isolate(scratch);
const { work, home, userSettings, fake } = await geminiWorkspace(scratch);
const env = realAgentEnv(scratch, {
  GEMINI_API_KEY: GEMINI_TEST_KEY,
  ...(stateHome ? { HEADROOM_HOME: stateHome } : {}),
});
const run = await execa(
  'node',
  [
    BIN,
    'wrap',
    '--gemini-upstream',
    fake.url,
    ...wrapFlags,
    'gemini',
    '-p',
    GEMINI_QUESTION,
    '--yolo',
    '--skip-trust',
    '-m',
    GEMINI_MODEL,
  ],
  { cwd: work, env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 90_000 },
);
const headroomHome = env.HEADROOM_HOME!;
const ledger = await readFile(path.join(headroomHome, 'ledger.jsonl'), 'utf8').catch(() => '');
const report: GeminiPipeReport = {
  isolation: net.isolation,
  lookups: net.lookups(),
  exitCode: run.exitCode,
  stdout: String(run.stdout),
  stderr: String(run.stderr),
  calls: fake.modelRequests().map((r) => ({ url: r.url, body: r.body.toString('utf8') })),
  others: fake.requests.filter((r) => !fake.modelRequests().includes(r)).map((r) => `${r.method} ${r.path}`),
  ledger: ledger.split('\n').filter((line) => line !== ''),
  userSettings: await readFile(path.join(home, '.gemini', 'settings.json'), 'utf8'),
  userSettingsBefore: userSettings,
  leftInState: await readdir(path.join(headroomHome, 'agent-settings')).catch(() => []),
};
await fake.close();
await net.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
