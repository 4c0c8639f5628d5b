/**
 * A terminal for end-to-end tests of what an agent does on a TTY: a detached tmux session (its own
 * pseudo-terminal, on its own server socket), driven with send-keys and read with capture-pane.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SESSION = 'wrap';

/** tmux gives the agent a terminal of its own; without it the tests that need one cannot run. */
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export interface Terminal {
  /** Types `text`, then Enter on its own: sent at once, Codex takes the Enter as part of a paste. */
  type(text: string): Promise<void>;
  /** The screen (and scrollback) once it shows `text`; throws with the screen after `timeoutMs`. */
  shows(text: string, timeoutMs: number): Promise<string>;
  close(): Promise<void>;
}

/** Runs `command` (a shell line) in `cwd` on a new 160×50 terminal whose processes get `env`. */
export async function openTerminal(
  socket: string,
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<Terminal> {
  const tmux = async (...args: string[]): Promise<string> =>
    (await run('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env })).stdout;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await tmux('new-session', '-d', '-s', SESSION, '-x', '160', '-y', '50', '-c', cwd, command);
  return {
    async type(text) {
      await tmux('send-keys', '-t', SESSION, '-l', text);
      await pause(500);
      await tmux('send-keys', '-t', SESSION, 'Enter');
    },
    async shows(text, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let screen = '';
      while (Date.now() < deadline) {
        screen = await tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', SESSION);
        if (screen.includes(text)) return screen;
        await pause(250);
      }
      throw new Error(`"${text}" never appeared; the screen:\n${screen}`);
    },
    async close() {
      await tmux('kill-server').catch(() => undefined);
    },
  };
}
