import { constants } from 'node:fs';
import { cp, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import stripJsonComments from 'strip-json-comments';
import { HeadroomError } from '../../errors.js';
import {
  inVariables,
  isObject,
  type JsonObject,
  layered,
  openSessionFolder,
  type SessionSettings,
} from './agent-config.js';

/*
 * Settings `wrap gemini` gives Gemini CLI for one session, without editing the user's own files, and
 * how to take them away again. Gemini CLI 0.61 routed to a base URL (`GOOGLE_GEMINI_BASE_URL`) only
 * runs with `security.auth.selectedType` set in a settings file, and the cap it puts on shell output
 * (`tools.truncateToolOutputThreshold`) can only be lifted there too. Its settings files are layered as
 * `layered` does: objects merged key by key, anything else replaced.
 */

const obj = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);

/**
 * A settings file as Gemini CLI reads it (JSON with comments); `{}` when absent or empty. One it cannot
 * parse stops the wrap: Gemini CLI would stop on it too, and a session without the user's settings (their
 * MCP servers, their own cuts) must not start in its place without a word.
 */
async function readSettings(file: string): Promise<JsonObject> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || text.trim() === '') return {};
  try {
    return obj(JSON.parse(stripJsonComments(text))) ?? {};
  } catch (error) {
    throw new HeadroomError('INVALID_INPUT', `Gemini CLI's settings ${file} are not valid JSON.`, {
      fix: 'Correct that file (Gemini CLI refuses it too); headroom leaves it as it is.',
      cause: error,
    });
  }
}

/** Gemini CLI's own home for `.gemini` (`GEMINI_CLI_HOME`, else the user's home). */
function geminiHome(env: NodeJS.ProcessEnv): string {
  return env.GEMINI_CLI_HOME || env.HOME || homedir();
}

/** Where Gemini CLI looks for system settings on this platform, unless told otherwise. */
function systemSettingsPath(env: NodeJS.ProcessEnv): string {
  if (env.GEMINI_CLI_SYSTEM_SETTINGS_PATH) return env.GEMINI_CLI_SYSTEM_SETTINGS_PATH;
  if (process.platform === 'darwin') return '/Library/Application Support/GeminiCli/settings.json';
  if (process.platform === 'win32') return 'C:\\ProgramData\\gemini-cli\\settings.json';
  return '/etc/gemini-cli/settings.json';
}

/**
 * Gemini CLI reads a system settings file only when it and every folder above it belong to root and
 * nobody else may write them (it skips others with a security warning). So the system file works for
 * root under a private state dir, and for nobody else.
 */
async function rootOnly(dir: string): Promise<boolean> {
  if (process.platform === 'win32' || process.getuid?.() !== 0) return false;
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const info = await stat(at).catch(() => undefined);
    if (info?.uid !== 0 || (info.mode & (constants.S_IWGRP | constants.S_IWOTH)) !== 0) return false;
    if (path.dirname(at) === at) return true;
  }
}

/**
 * The settings that give headroom whole shell outputs, each unless the user set it themselves: no cut
 * of Gemini CLI's own, and no pseudo-terminal shell, which lost the last 7.7 KB of a 148 KB test log in
 * every terminal session measured (0.61; the plain shell sent it whole).
 */
function overrides(liftCap: boolean, ...theirs: JsonObject[]): JsonObject {
  const tools = theirs.map((s) => obj(s.tools) ?? {});
  const cap = tools.some((t) => t.truncateToolOutputThreshold !== undefined);
  const pty = tools.some((t) => obj(t.shell)?.enableInteractiveShell !== undefined);
  const lifted: JsonObject = {
    ...(cap ? {} : { truncateToolOutputThreshold: 0 }),
    ...(pty ? {} : { shell: { enableInteractiveShell: false } }),
  };
  return {
    security: { auth: { selectedType: 'gemini-api-key' } },
    ...(liftCap && Object.keys(lifted).length > 0 ? { tools: lifted } : {}),
  };
}

export interface GeminiSessionOptions {
  readonly env: NodeJS.ProcessEnv;
  /** A private folder for this session only (`openSessionFolder`: created here, removed by `close`). */
  readonly dir: string;
  /** Lift Gemini CLI's own cut of shell output (the proxy then holds outputs to its budget). */
  readonly liftCap: boolean;
}

/**
 * Prepares Gemini CLI's settings for one wrapped session. As root (with a state dir only root can
 * write), a system settings file that layers over everything else, the machine's own system settings
 * carried in. Otherwise a stand-in home (`GEMINI_CLI_HOME`) whose `.gemini` links every entry of the
 * user's own, with a settings file that is theirs plus the overrides; the user's files stay as they are.
 */
export async function prepareGeminiSession(options: GeminiSessionOptions): Promise<SessionSettings> {
  const { env, dir, liftCap } = options;
  const userDir = path.join(geminiHome(env), '.gemini');
  // Read before anything is made, so a file that stops the wrap leaves nothing behind.
  const userSettings = await readSettings(path.join(userDir, 'settings.json'));
  const close = await openSessionFolder(dir);
  try {
    if (await rootOnly(dir)) {
      const system = systemSettingsPath(env);
      const machine = await readSettings(system);
      const file = path.join(dir, 'system-settings.json');
      await writeFile(
        file,
        JSON.stringify(layered(machine, overrides(liftCap, machine, userSettings)), null, 2),
        {
          mode: 0o600,
        },
      );
      // The defaults file is found beside the system file: keep it where it was.
      const defaults =
        env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH || path.join(path.dirname(system), 'system-defaults.json');
      const added = { GEMINI_CLI_SYSTEM_SETTINGS_PATH: file, GEMINI_CLI_SYSTEM_DEFAULTS_PATH: defaults };
      return { ...inVariables(added), close };
    }
    return await mirroredHome(dir, userDir, userSettings, liftCap, close);
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Links one entry of the user's `.gemini` into the stand-in. Windows links folders as junctions (no
 * privilege needed) and may refuse file links: such a file is copied, and copied back by `close`.
 */
async function linkEntry(target: string, link: string): Promise<void> {
  const folder = (await stat(target).catch(() => undefined))?.isDirectory() === true;
  try {
    await symlink(target, link, process.platform === 'win32' && folder ? 'junction' : undefined);
  } catch (error) {
    if (folder || (error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    await cp(target, link);
  }
}

async function mirroredHome(
  dir: string,
  userDir: string,
  userSettings: JsonObject,
  liftCap: boolean,
  removeDir: () => Promise<void>,
): Promise<SessionSettings> {
  const home = path.join(dir, 'home');
  const mirror = path.join(home, '.gemini');
  // Gemini CLI would create its folder on first run anyway; made here so what it keeps lands there.
  await mkdir(userDir, { recursive: true });
  await mkdir(mirror, { recursive: true, mode: 0o700 });
  for (const name of await readdir(userDir)) {
    if (name !== 'settings.json') await linkEntry(path.join(userDir, name), path.join(mirror, name));
  }
  await writeFile(
    path.join(mirror, 'settings.json'),
    JSON.stringify(layered(userSettings, overrides(liftCap, userSettings)), null, 2),
    { mode: 0o600 },
  );
  return {
    env: { GEMINI_CLI_HOME: home },
    injected: [`GEMINI_CLI_HOME=${home} (links to ${userDir}, settings.json with overrides)`],
    async close() {
      // What Gemini CLI created or rewrote in its folder (first-run files, new history, a file it
      // replaced instead of writing through the link) goes home; the settings file, which holds
      // headroom's overrides, never does.
      for (const name of await readdir(mirror).catch(() => [] as string[])) {
        if (name === 'settings.json') continue;
        const entry = path.join(mirror, name);
        if ((await lstat(entry).catch(() => undefined))?.isSymbolicLink() !== false) continue;
        await cp(entry, path.join(userDir, name), { recursive: true, force: true }).catch(() => undefined);
      }
      await removeDir();
    },
  };
}
