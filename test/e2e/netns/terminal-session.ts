/**
 * The part the terminal scenarios share: `headroom wrap <args>` started on a fresh terminal as a user
 * would type it, the user's `steps` played on it, and what the terminal showed once wrap exited.
 */
import { BIN } from '../../helpers/cli.js';
import type { RecordedRequest } from '../../helpers/fake-server.js';
import type { Isolated } from '../../helpers/netns.js';
import { openTerminal, type Terminal } from '../../helpers/tmux.js';
import type { TtyReport } from './reports.js';

export interface TerminalSession {
  readonly screen: string;
  /** `headroom wrap`'s exit code, as the shell on the terminal printed it. */
  readonly exitCode: number | undefined;
  /** What stopped the steps before their end. */
  readonly error?: string;
}

export async function wrapOnTerminal(
  scratch: string,
  wrapArgs: readonly string[],
  cwd: string,
  env: Record<string, string>,
  steps: (terminal: Terminal) => Promise<void>,
): Promise<TerminalSession> {
  const quoted = [process.execPath, BIN, 'wrap', ...wrapArgs].map((arg) => `'${arg}'`).join(' ');
  // The shell stays after wrap exits, so wrap's last words stay on the screen until the server is killed.
  const terminal = await openTerminal(scratch, `${quoted}; echo WRAP-EXITED-$?; sleep 120`, cwd, env);
  let error: string | undefined;
  try {
    await steps(terminal);
    await terminal.shows(/WRAP-EXITED-\d+/, 20_000);
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  const screen = await terminal.screen();
  await terminal.close();
  const exited = /WRAP-EXITED-(\d+)/.exec(screen);
  return {
    screen,
    exitCode: exited ? Number(exited[1]) : undefined,
    ...(error === undefined ? {} : { error }),
  };
}

/** What the provider received: the model calls, which of them are the agent's turns, the output sent. */
export interface ProviderView {
  readonly calls: readonly RecordedRequest[];
  isTurn(req: RecordedRequest): boolean;
  /** The command output a turn carries; throws when it carries none. */
  outputIn(req: RecordedRequest): string;
}

/** Prints the scenario's report as one JSON line on stdout (the scenario's only output there). */
export function printReport(
  session: TerminalSession,
  net: Isolated,
  provider: ProviderView,
  sessions: string[],
): void {
  const turns = provider.calls.filter((req) => provider.isTurn(req));
  const outputs = turns.flatMap((req) => {
    try {
      return [provider.outputIn(req)];
    } catch {
      return [];
    }
  });
  const report: TtyReport = {
    ...session,
    isolation: net.isolation,
    lookups: net.lookups(),
    sent: outputs[0],
    turns: turns.length,
    asides: provider.calls.length - turns.length,
    sessions,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
