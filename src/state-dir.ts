import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

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
