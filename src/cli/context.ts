import type { OutputStreams } from './logger.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly streams: OutputStreams;
  /** Standard input, for `compress` without a file and to tell whether the user sits at a terminal. */
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export function processContext(): CliContext {
  return {
    env: process.env,
    streams: { stdout: process.stdout, stderr: process.stderr },
    // Made by node on first use (a socket for a pipe: ~1 ms), so only for a command that reads it.
    get stdin() {
      return process.stdin;
    },
  };
}

/** Reports a command's exit code back to `run()`. */
export type SetExitCode = (code: number) => void;
