import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateDir } from '../src/state-dir.js';

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
