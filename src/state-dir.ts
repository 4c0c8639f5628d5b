import { mkdirSync, type Stats, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { HeadroomError } from './errors.js';

/**
 * The one directory that holds all of headroom's state (ledger, retrieval files): `HEADROOM_HOME`, else
 * `$XDG_STATE_HOME/headroom`, else `~/.headroom`. Empty variables count as unset; a relative
 * `XDG_STATE_HOME` is ignored, as the XDG spec asks.
 *
 * @example
 * stateDir({ HEADROOM_HOME: '/tmp/hr' }); // '/tmp/hr'
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HEADROOM_HOME;
  if (home) return resolve(home);
  const xdg = env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'headroom');
  return join(homedir(), '.headroom');
}

/**
 * Creates `dir` and its missing parents (each 0700), like `mkdirSync(dir, { recursive: true })` but one
 * level at a time: Node's recursive mkdir loops forever when a level answers ENOENT under a parent that
 * exists (anything under `/proc`), which would hang every call that records state. Such a level is a
 * `HeadroomError`; other failures (a parent that is a file, no permission) are the system's own errors.
 * Synchronous because the tokenizer cache and the session log create their directories synchronously;
 * it runs once per directory, a few system calls.
 */
export function makeStateDirSync(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; ) {
    let found: Stats | undefined;
    try {
      found = statSync(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (found) {
      // A file where the directory should be fails as mkdir fails (EEXIST).
      if (!found.isDirectory() && missing.length === 0) mkdirSync(at);
      break;
    }
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue; // made meanwhile by another process
      if (code !== 'ENOENT') throw error;
      throw new HeadroomError(
        'STATE_DIR_UNWRITABLE',
        `Cannot create the state directory ${dir}: ${dirname(level)} exists but takes no new directory (${level}).`,
        {
          fix: 'Set HEADROOM_HOME to a directory on an ordinary file system, e.g. ~/.headroom.',
          cause: error,
        },
      );
    }
  }
}

/** `makeStateDirSync` for promise chains. */
export async function makeStateDir(dir: string): Promise<void> {
  makeStateDirSync(dir);
}
