import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import spawn from 'cross-spawn';
import type { CliContext } from '../context.js';
import type { Logger } from '../logger.js';
import type { ResumeWatcher } from './resume-hint.js';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** An agent told to stop that is still running after this long is killed. */
const FORCE_KILL_AFTER_MS = 10_000;

function exitCodeFor(signal: string): number {
  const number = (osConstants.signals as Record<string, number | undefined>)[signal];
  return 128 + (number ?? 1);
}

/**
 * Runs the agent and returns the exit code headroom should exit with. On a terminal the agent inherits
 * it; otherwise it gets its own pipes, forwarded here (and watched for its resume hint), because Codex's
 * Rust binary crashes writing to an inherited non-blocking pipe.
 */
export async function superviseAgent(
  executable: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  ctx: CliContext,
  logger: Logger,
  resume: ResumeWatcher,
): Promise<number> {
  const stdoutTTY = ctx.streams.stdout.isTTY === true;
  const stderrTTY = ctx.streams.stderr.isTTY === true;
  // cross-spawn, not execa: the agent starts on the user's critical path, and execa's ~100 modules took
  // longer to load than the agent to start. cross-spawn runs npm's `.cmd` shims on Windows as execa did.
  // With no terminal at all, the agent gets a process group of its own and signals go to the whole
  // group: Qwen Code and Gemini CLI run the agent proper in a child of a launcher that has no signal
  // handlers, and that launcher alone would die of a SIGTERM and leave the agent running on wrap's pipes.
  // (At a terminal the agent stays in the terminal's foreground group, which it reads.)
  const ownGroup = process.platform !== 'win32' && !stdoutTTY && !stderrTTY && ctx.stdin.isTTY !== true;
  const child = spawn(executable, [...args], {
    env,
    stdio: ['inherit', stdoutTTY ? 'inherit' : 'pipe', stderrTTY ? 'inherit' : 'pipe'],
    detached: ownGroup,
  });
  const signalAgent = (signal: NodeJS.Signals): void => {
    if (ownGroup && child.pid !== undefined) {
      try {
        process.kill(-child.pid, signal);
        return;
      } catch {
        // The group is gone: nothing of the agent is left to tell.
      }
    }
    child.kill(signal);
  };
  const ended = childEnd(child);
  for (const [from, to] of [
    [child.stdout, ctx.streams.stdout],
    [child.stderr, ctx.streams.stderr],
  ] as const) {
    from?.on('data', (chunk: Buffer) => resume.push(chunk));
    from?.pipe(to, { end: false });
  }

  // Ctrl-C at a terminal reaches the whole foreground process group, agent included; sending it again
  // would count as a second press (Claude Code exits on two). Signals sent to headroom alone are passed on.
  const terminalSigint = ctx.stdin.isTTY === true;
  let forwarded: string | undefined;
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (signal === 'SIGINT' && terminalSigint) return;
      forwarded ??= signal;
      signalAgent(signal);
      setTimeout(() => signalAgent('SIGKILL'), FORCE_KILL_AFTER_MS).unref();
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  // If headroom itself exits first (an uncaught error), the agent does not outlive it.
  const killOnExit = (): void => {
    signalAgent('SIGTERM');
  };
  process.on('exit', killOnExit);
  try {
    const result = await ended;
    if ('error' in result) {
      logger.error(`could not start ${executable}: ${result.error.message}`);
      return 126;
    }
    if (result.signal !== null) return exitCodeFor(result.signal);
    // An agent that exits 0 after being told to stop still stopped because of the signal.
    if (result.code === 0 && forwarded !== undefined && forwarded !== 'SIGHUP') return exitCodeFor(forwarded);
    return result.code ?? 1;
  } finally {
    process.off('exit', killOnExit);
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

type ChildEnd =
  | { readonly error: Error }
  | { readonly code: number | null; readonly signal: NodeJS.Signals | null };

/** How the agent ended: its exit once its output is drained, or why it could not start. */
function childEnd(child: ChildProcess): Promise<ChildEnd> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}
