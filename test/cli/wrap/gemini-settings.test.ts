import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareGeminiSession } from '../../../src/cli/wrap/gemini-settings.js';
import { rootOnlyParent } from '../../helpers/root-only-dir.js';

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(under = tmpdir()): Promise<string> {
  const dir = await mkdtemp(path.join(under, 'headroom-gemini-settings-'));
  made.push(dir);
  return dir;
}

/** A user's ~/.gemini as Gemini CLI leaves it: settings with comments, memory, history. */
async function userHome(settings: string): Promise<string> {
  const home = await tempDir();
  await mkdir(path.join(home, '.gemini', 'tmp', 'project-1'), { recursive: true });
  await writeFile(path.join(home, '.gemini', 'settings.json'), settings);
  await writeFile(path.join(home, '.gemini', 'GEMINI.md'), '# my memory\n');
  await writeFile(path.join(home, '.gemini', 'tmp', 'project-1', 'chat.json'), '[]');
  return home;
}

const USER_SETTINGS = `{
  // the user's own choices
  "ui": { "theme": "GitHub" },
  "security": { "auth": { "selectedType": "oauth-personal" }, "folderTrust": { "enabled": true } },
  "mcpServers": { "docs": { "command": "docs-mcp", "args": ["--url", "http://docs.example/x"] } }
}`;

describe('prepareGeminiSession, with a stand-in home (anyone who is not root)', () => {
  it("links the user's .gemini, layers the overrides over their settings, and leaves their files alone", async () => {
    const home = await userHome(USER_SETTINGS);
    const state = await tempDir();
    const session = await prepareGeminiSession({
      env: { HOME: home },
      dir: path.join(state, 's1'),
      liftCap: true,
    });
    const standIn = session.env.GEMINI_CLI_HOME!;
    expect(standIn).toBe(path.join(state, 's1', 'home'));
    const mirror = path.join(standIn, '.gemini');
    expect((await lstat(path.join(mirror, 'GEMINI.md'))).isSymbolicLink()).toBe(true);
    expect(await readFile(path.join(mirror, 'tmp', 'project-1', 'chat.json'), 'utf8')).toBe('[]');
    expect(JSON.parse(await readFile(path.join(mirror, 'settings.json'), 'utf8'))).toEqual({
      ui: { theme: 'GitHub' },
      security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: true } },
      mcpServers: { docs: { command: 'docs-mcp', args: ['--url', 'http://docs.example/x'] } },
      tools: { truncateToolOutputThreshold: 0, shell: { enableInteractiveShell: false } },
    });
    expect((await stat(path.join(mirror, 'settings.json'))).mode & 0o077).toBe(0);

    // During the session Gemini CLI writes history through a link and creates a first-run file.
    await writeFile(path.join(mirror, 'tmp', 'project-1', 'chat.json'), '[1]');
    await writeFile(path.join(mirror, 'installation_id'), 'abc');
    await writeFile(path.join(mirror, 'settings.json'), '{"changed": true}');
    await session.close();
    expect(await readFile(path.join(home, '.gemini', 'settings.json'), 'utf8')).toBe(USER_SETTINGS);
    expect(await readFile(path.join(home, '.gemini', 'tmp', 'project-1', 'chat.json'), 'utf8')).toBe('[1]');
    expect(await readFile(path.join(home, '.gemini', 'installation_id'), 'utf8')).toBe('abc');
    expect(await readdir(state)).toEqual([]);
  });

  it("stops, naming the file and leaving nothing behind, when the user's settings are not valid JSON", async () => {
    const broken = '{ "ui": { "theme": "GitHub" }, "mcpServers": { "docs": { "command": "docs-mcp" } }';
    const home = await userHome(broken);
    const state = await tempDir();
    const file = path.join(home, '.gemini', 'settings.json');
    await expect(
      prepareGeminiSession({ env: { HOME: home }, dir: path.join(state, 's1'), liftCap: true }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: `Gemini CLI's settings ${file} are not valid JSON.`,
    });
    expect(await readdir(state)).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe(broken);
    // An empty file is no settings, as Gemini CLI reads it.
    const empty = await userHome('');
    const session = await prepareGeminiSession({
      env: { HOME: empty },
      dir: path.join(state, 's2'),
      liftCap: false,
    });
    await session.close();
  });

  it('removes the folder a killed wrap left beside its own (openSessionFolder)', async () => {
    const home = await userHome('{}');
    const state = await tempDir();
    const killed = path.join(state, 'killed');
    await mkdir(killed);
    await writeFile(path.join(killed, 'wrap.pid'), '4194303');
    const then = new Date(Date.now() - 3_600_000);
    await utimes(killed, then, then);
    const session = await prepareGeminiSession({
      env: { HOME: home },
      dir: path.join(state, 'new'),
      liftCap: true,
    });
    expect(await readdir(state)).toEqual(['new']);
    await session.close();
  });

  it("keeps the user's own output cap and shell choice, and lifts none without budget mode", async () => {
    const home = await userHome(
      '{"tools": {"truncateToolOutputThreshold": 90000, "shell": {"pager": "cat"}}}',
    );
    const state = await tempDir();
    const own = await prepareGeminiSession({
      env: { HOME: home },
      dir: path.join(state, 'a'),
      liftCap: true,
    });
    const settingsOf = async (s: typeof own) =>
      JSON.parse(await readFile(path.join(s.env.GEMINI_CLI_HOME!, '.gemini', 'settings.json'), 'utf8'));
    expect((await settingsOf(own)).tools).toEqual({
      truncateToolOutputThreshold: 90000,
      shell: { pager: 'cat', enableInteractiveShell: false },
    });
    await own.close();
    const bare = await userHome('');
    const off = await prepareGeminiSession({
      env: { HOME: bare },
      dir: path.join(state, 'b'),
      liftCap: false,
    });
    expect(await settingsOf(off)).toEqual({ security: { auth: { selectedType: 'gemini-api-key' } } });
    await off.close();
  });

  it('mirrors the folder named by GEMINI_CLI_HOME, and creates ~/.gemini when Gemini CLI never ran', async () => {
    const theirs = await userHome('{}');
    const state = await tempDir();
    const session = await prepareGeminiSession({
      env: { HOME: '/nonexistent', GEMINI_CLI_HOME: theirs },
      dir: path.join(state, 's'),
      liftCap: true,
    });
    expect(
      (await lstat(path.join(session.env.GEMINI_CLI_HOME!, '.gemini', 'GEMINI.md'))).isSymbolicLink(),
    ).toBe(true);
    await session.close();
    const fresh = await tempDir();
    const first = await prepareGeminiSession({
      env: { HOME: fresh },
      dir: path.join(state, 't'),
      liftCap: true,
    });
    expect(await readdir(path.join(fresh, '.gemini'))).toEqual([]);
    await first.close();
  });
});

describe.runIf(process.getuid?.() === 0)(
  'prepareGeminiSession as root, under a folder only root can write',
  () => {
    it("writes a system settings file over the machine's own, and keeps the system defaults where they were", async () => {
      const secureParent = await rootOnlyParent();
      const machine = await tempDir();
      await writeFile(path.join(machine, 'settings.json'), '{"general": {"vimMode": true}} // admin');
      const home = await userHome(USER_SETTINGS);
      const state = await tempDir(secureParent);
      const session = await prepareGeminiSession({
        env: { HOME: home, GEMINI_CLI_SYSTEM_SETTINGS_PATH: path.join(machine, 'settings.json') },
        dir: path.join(state, 's'),
        liftCap: true,
      });
      expect(session.env).toEqual({
        GEMINI_CLI_SYSTEM_SETTINGS_PATH: path.join(state, 's', 'system-settings.json'),
        GEMINI_CLI_SYSTEM_DEFAULTS_PATH: path.join(machine, 'system-defaults.json'),
      });
      expect(JSON.parse(await readFile(session.env.GEMINI_CLI_SYSTEM_SETTINGS_PATH!, 'utf8'))).toEqual({
        general: { vimMode: true },
        security: { auth: { selectedType: 'gemini-api-key' } },
        tools: { truncateToolOutputThreshold: 0, shell: { enableInteractiveShell: false } },
      });
      await session.close();
      expect(await readdir(state)).toEqual([]);
    });
  },
);
