/**
 * The Claude Code scenario of wrap-tty.test.ts, run in its own network namespace (test/helpers/netns.ts):
 * a user starts `headroom wrap claude` on a terminal, asks which test fails, Claude Code runs the (fake)
 * model's Bash call printing a 20 KB test log, shows the answer, and the user types `/exit`.
 * Prints one JSON line: a `TtyReport`.
 *
 * Usage: tsx test/e2e/netns/claude-tty.ts <scratch dir>
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakeAnthropic } from '../../helpers/fake-anthropic.js';
import type { RecordedRequest } from '../../helpers/fake-server.js';
import { isolate } from '../../helpers/netns.js';
import { realAgentEnv, toolResultOf } from '../../helpers/real-agents.js';
import { CLAUDE_ANSWER, CLAUDE_LOG } from './reports.js';
import { printReport, wrapOnTerminal } from './terminal-session.js';

const KEY = 'sk-ant-test-tty-0123456789abcdefghij';

const hasBash = (req: RecordedRequest) =>
  (req.json<{ tools?: { name: string }[] }>().tools ?? []).some((tool) => tool.name === 'Bash');

const scratch = process.argv[2]!;
const net = await isolate(scratch);
const work = path.join(scratch, 'work');
const config = path.join(scratch, 'claude-config');
await mkdir(path.join(scratch, 'home'), { recursive: true });
await mkdir(work);
await mkdir(config);
await writeFile(path.join(work, 'test-run.log'), CLAUDE_LOG);
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
const fake = await startFakeAnthropic({
  replies: [
    { kind: 'tool_use', name: 'Bash', input: { command: 'cat test-run.log' } },
    { kind: 'text', text: CLAUDE_ANSWER },
  ],
  fallback: { kind: 'error', status: 500, type: 'api_error', message: 'the script ran out' },
  // The session title Claude Code asks for (a request without its tools) is not one of the turns.
  aside: (req) => (hasBash(req) ? undefined : { kind: 'text', text: 'Failing test' }),
});
const env = realAgentEnv(scratch, {
  ANTHROPIC_API_KEY: KEY,
  CLAUDE_CONFIG_DIR: config,
  IS_SANDBOX: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
});

const session = await wrapOnTerminal(
  scratch,
  ['--anthropic-upstream', fake.url, 'claude'],
  work,
  env,
  async (terminal) => {
    await terminal.shows('❯', 30_000);
    await terminal.type('Run the tests (their log is test-run.log): which one fails?');
    await terminal.shows(CLAUDE_ANSWER, 30_000);
    await terminal.type('/exit');
  },
);
await fake.close();
await net.close();

const store = path.join(config, 'projects', work.replace(/[^a-zA-Z0-9]/g, '-'));
const sessions = (await readdir(store).catch(() => []))
  .filter((name) => name.endsWith('.jsonl'))
  .map((name) => name.slice(0, -'.jsonl'.length));
printReport(
  session,
  net,
  { calls: fake.messageRequests(), isTurn: hasBash, outputIn: (req) => toolResultOf(req, 'Bash') },
  sessions,
);
