/**
 * A terminal for end-to-end tests of what an agent does on a TTY: a detached tmux session (its own
 * pseudo-terminal) on a private server (its own socket file and TMUX_TMPDIR, so no other tmux is touched),
 * driven with send-keys and read with capture-pane. The server is started by the first command, so it and
 * everything it runs live in the caller's network namespace.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SESSION = 'user';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tmuxIn(dir: string, env: Record<string, string>, args: string[]): Promise<string> {
  const socket = path.join(dir, 'tmux.sock');
  return (
    await run('tmux', ['-S', socket, '-f', '/dev/null', ...args], { env: { ...env, TMUX_TMPDIR: dir } })
  ).stdout;
}

/**
 * Stops the terminal server of `dir` and all it runs, if one is left (its owner was killed before closing
 * it). Its socket is a file, so this works from outside the namespace the server runs in.
 */
export async function closeTerminalsIn(dir: string): Promise<void> {
  await tmuxIn(dir, { PATH: process.env.PATH ?? '/usr/bin:/bin' }, ['kill-server']).catch(() => undefined);
}

export interface Terminal {
  /** Types `text`, then Enter on its own: sent at once, Codex takes the Enter as part of a paste. */
  type(text: string): Promise<void>;
  /** Presses keys by tmux name (`Enter`, `C-c`, `Escape`…), one after the other. */
  press(...keys: string[]): Promise<void>;
  /** The screen and its scrollback, as plain text. */
  screen(): Promise<string>;
  /** The screen (and scrollback) once `pattern` is on it; throws with the screen after `timeoutMs`. */
  shows(pattern: string | RegExp, timeoutMs: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * Runs `command` (a shell line) in `cwd` on a new 160×50 terminal whose processes get `env`; the tmux
 * server's socket and temporary files go in `dir`.
 */
export async function openTerminal(
  dir: string,
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<Terminal> {
  const tmux = async (...args: string[]): Promise<string> => tmuxIn(dir, env, args);
  await tmux('new-session', '-d', '-s', SESSION, '-x', '160', '-y', '50', '-c', cwd, command);
  const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-1000', '-t', SESSION);
  return {
    async type(text) {
      await tmux('send-keys', '-t', SESSION, '-l', text);
      await pause(500);
      await tmux('send-keys', '-t', SESSION, 'Enter');
    },
    async press(...keys) {
      for (const key of keys) {
        await tmux('send-keys', '-t', SESSION, key);
        await pause(200);
      }
    },
    screen,
    async shows(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let text = '';
      while (Date.now() < deadline) {
        text = await screen();
        if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
        await pause(250);
      }
      throw new Error(`${String(pattern)} never appeared; the screen:\n${text}`);
    },
    close: () => closeTerminalsIn(dir),
  };
}
