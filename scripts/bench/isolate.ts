import { fork } from 'node:child_process';

export type Isolated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

/** How long one child may run before it counts as hung. */
const CHILD_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Runs `script args` in a child Node process (with the parent's loader flags, so tsx still applies) and
 * returns the one message it sends back. A compressor bug that kills V8 (out of memory, an invalid array
 * size) or a source file that fails to load then costs one row of the report instead of the whole run.
 */
export function runIsolated<T>(script: string, args: readonly string[]): Promise<Isolated<T>> {
  return new Promise((resolve) => {
    const child = fork(script, args, {
      execArgv: process.execArgv,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      timeout: CHILD_TIMEOUT_MS,
    });
    let message: { value: T } | undefined;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('message', (m) => {
      message = { value: m as T };
    });
    child.on('error', (error) => resolve({ ok: false, reason: error.message }));
    child.on('exit', (code, signal) => {
      if (message && code === 0) {
        resolve({ ok: true, value: message.value });
        return;
      }
      const detail = stderr
        .split('\n')
        .map((l) => l.trim())
        // V8's own fatal errors print a generic `# Fatal error in , line 0` before the useful line.
        .find(
          (l) => /error|fatal|cannot|failed/i.test(l) && !l.startsWith('at ') && !/Fatal error in/.test(l),
        );
      resolve({
        ok: false,
        reason: `${signal ?? `exit ${code}`}${detail ? `: ${detail.slice(0, 200)}` : ''}`,
      });
    });
  });
}
