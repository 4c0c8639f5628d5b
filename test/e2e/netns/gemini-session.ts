/**
 * What the Gemini CLI scenarios share: a workspace holding the long failing test log, the user's own
 * Gemini settings (no usage statistics, no update checks, a theme chosen, so no first-run dialog), and a
 * fake Gemini API whose first answer runs the log through `run_shell_command` and whose second is the
 * final text.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type FakeGemini, type FakeGeminiOptions, startFakeGemini } from '../../helpers/fake-gemini.js';
import { GEMINI_ANSWER, GEMINI_LOG } from './reports.js';

/** The question the user asks, naming the command so the (fake) model's call matches it. */
export const GEMINI_QUESTION =
  'Run the tests with `cat npm-test.log; exit 1` and tell me which one fails and why.';

export interface GeminiWorkspace {
  readonly work: string;
  readonly home: string;
  /** The user's settings file as written, to check that wrap left it alone. */
  readonly userSettings: string;
  readonly fake: FakeGemini;
}

export async function geminiWorkspace(
  scratch: string,
  aside?: FakeGeminiOptions['aside'],
): Promise<GeminiWorkspace> {
  const work = path.join(scratch, 'work');
  const home = path.join(scratch, 'home');
  await mkdir(path.join(home, '.gemini'), { recursive: true });
  await mkdir(work);
  await writeFile(path.join(work, 'npm-test.log'), GEMINI_LOG);
  const userSettings = JSON.stringify({
    privacy: { usageStatisticsEnabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    ui: { theme: 'Default' },
  });
  await writeFile(path.join(home, '.gemini', 'settings.json'), userSettings);
  const fake = await startFakeGemini({
    replies: [
      { kind: 'call', name: 'run_shell_command', args: { command: 'cat npm-test.log; exit 1' } },
      { kind: 'text', text: GEMINI_ANSWER },
    ],
    fallback: {
      kind: 'error',
      status: 500,
      message: 'fake Gemini: the script ran out',
      statusName: 'INTERNAL',
    },
    ...(aside ? { aside } : {}),
  });
  return { work, home, userSettings, fake };
}
