import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeadroomError } from '../src/errors.js';
import { makeStateDir, makeStateDirSync, stateDir } from '../src/state-dir.js';

describe('state directory', () => {
  it('uses HEADROOM_HOME first, resolved to an absolute path', () => {
    expect(stateDir({ HEADROOM_HOME: '/srv/hr', XDG_STATE_HOME: '/x' })).toBe('/srv/hr');
    expect(stateDir({ HEADROOM_HOME: 'rel/dir' })).toBe(join(process.cwd(), 'rel/dir'));
  });

  it('falls back to $XDG_STATE_HOME/headroom, then ~/.headroom', () => {
    expect(stateDir({ XDG_STATE_HOME: '/home/u/.local/state' })).toBe('/home/u/.local/state/headroom');
    expect(stateDir({})).toBe(join(homedir(), '.headroom'));
  });

  it('ignores empty variables and a relative XDG_STATE_HOME', () => {
    expect(stateDir({ HEADROOM_HOME: '', XDG_STATE_HOME: 'relative' })).toBe(join(homedir(), '.headroom'));
  });
});

describe('makeStateDir', () => {
  it('creates the directory and its missing parents, each 0700, and accepts one that exists', async () => {
    const base = await mkdtemp(join(tmpdir(), 'hr-state-'));
    try {
      const dir = join(base, 'a', 'b', 'c');
      await makeStateDir(dir);
      for (const level of ['a', 'a/b', 'a/b/c']) {
        expect((await stat(join(base, level))).mode & 0o777).toBe(0o700);
      }
      await makeStateDir(dir);
      makeStateDirSync(dir);
      await writeFile(join(base, 'file'), 'x');
      await expect(makeStateDir(join(base, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
      await expect(makeStateDir(join(base, 'file', 'ccr'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  // Node's recursive mkdir spins forever here: mkdir answers ENOENT although /proc exists.
  it.runIf(process.platform === 'linux')(
    'refuses a directory under /proc with a fix, never hangs',
    async () => {
      const dir = `/proc/headroom-test-${process.pid}/ccr`;
      const error = await makeStateDir(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HeadroomError);
      expect(error).toMatchObject({
        code: 'STATE_DIR_UNWRITABLE',
        message: `Cannot create the state directory ${dir}: /proc exists but takes no new directory (/proc/headroom-test-${process.pid}).`,
        fix: 'Set HEADROOM_HOME to a directory on an ordinary file system, e.g. ~/.headroom.',
      });
      expect(() => makeStateDirSync('/proc/self/headroom')).toThrow(
        /\/proc\/self exists but takes no new directory/,
      );
    },
  );
});
