import { constants } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';

/**
 * A folder that root owns and nobody else may write, nor any folder above it: where Gemini CLI accepts
 * a system settings file. Not under the repository, which may be cloned under a world-writable `/tmp`;
 * root's own home (from the user database, not `$HOME`) is private on every machine we run on. Throws,
 * saying why, where it is not.
 */
export async function rootOnlyParent(): Promise<string> {
  const dir = path.join(userInfo().homedir, '.cache', 'headroom-tests');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  for (let at = dir; ; at = path.dirname(at)) {
    const info = await stat(at);
    if (info.uid !== 0 || (info.mode & (constants.S_IWGRP | constants.S_IWOTH)) !== 0)
      throw new Error(`${at} is not root-only (uid ${info.uid}, mode ${(info.mode & 0o7777).toString(8)})`);
    if (path.dirname(at) === at) return dir;
  }
}
