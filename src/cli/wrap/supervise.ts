import { constants as osConstants } from 'node:os';
import type { CliContext } from '../context.js';
import type { Logger } from '../logger.js';
import type { ResumeWatcher } from './resume-hint.js';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

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
  const { execa } = await import('execa');
  const child = execa(executable, args, {
    env,
    extendEnv: false,
    stdin: 'inherit',
    stdout: stdoutTTY ? 'inherit' : 'pipe',
    stderr: stderrTTY ? 'inherit' : 'pipe',
    buffer: false,
    reject: false,
    cleanup: true,
    forceKillAfterDelay: 10_000,
  });
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
      child.kill(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const result = await child;
    if (result.signal !== undefined) return exitCodeFor(result.signal);
    if (result.exitCode === undefined) {
      logger.error(`could not start ${executable}: ${result.shortMessage}`);
      return 126;
    }
    // An agent that exits 0 after being told to stop still stopped because of the signal.
    if (result.exitCode === 0 && forwarded !== undefined && forwarded !== 'SIGHUP')
      return exitCodeFor(forwarded);
    return result.exitCode;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
