import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HeadroomError } from '../../errors.js';
import { isAlive } from '../proxy-registry.js';

/**
 * Settings `wrap` layers over what the agents read, never over their files: Qwen Code takes a system
 * settings file (`QWEN_CODE_SYSTEM_SETTINGS_PATH`, the highest of its layers; user and workspace settings
 * stay in force beneath it), opencode a config given in `OPENCODE_CONFIG_CONTENT` (layered over the
 * user's global and project configs), Gemini CLI a settings file of its own (gemini-settings.ts). The
 * files live in one private folder per session (`openSessionFolder`).
 */

export type JsonObject = { [key: string]: unknown };

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An agent's settings for one wrapped session: the variables that point it at them, and how to take
 * them away when it exits (files written for the session; nothing for settings given in a variable).
 */
export interface SessionSettings {
  /** Variables to add to the agent's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** What was injected, for the verbose log. */
  readonly injected: readonly string[];
  close(): Promise<void>;
}

/** Session settings given in variables alone: nothing to take away. */
export function inVariables(env: Readonly<Record<string, string>>): SessionSettings {
  return {
    env,
    injected: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    close: async () => undefined,
  };
}

/** `over` laid on `base`: objects merged key by key, anything else from `over`. */
export function layered(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    out[key] = isObject(below) && isObject(value) ? layered(below, value) : value;
  }
  return out;
}

/**
 * Qwen Code 0.15's own cuts, lifted so the whole output reaches the proxy, which holds it to the budget:
 * results over 25,000 characters or 1,000 lines (0 is unlimited; both must go), and the pseudo-terminal
 * shell, which lost the end of a long output in 8 of 8 runs where the plain one gave 4 of 4 whole.
 */
export const QWEN_LIFTED_CUTS: JsonObject = {
  tools: {
    truncateToolOutputThreshold: 0,
    truncateToolOutputLines: 0,
    shell: { enableInteractiveShell: false },
  },
};

/** Where Qwen Code reads its system settings when `QWEN_CODE_SYSTEM_SETTINGS_PATH` is not set. */
function defaultQwenSystemSettings(): string {
  if (process.platform === 'darwin') return '/Library/Application Support/QwenCode/settings.json';
  if (process.platform === 'win32') return 'C:\\ProgramData\\qwen-code\\settings.json';
  return '/etc/qwen-code/settings.json';
}

/**
 * The system settings Qwen Code would have read (an administrator's), which the session's own file must
 * hold too: the variable that points Qwen Code at that file hides the one it replaces. Read before the
 * proxy starts, so a file headroom cannot layer over stops the wrap before anything runs.
 */
export async function readQwenSystemSettings(env: NodeJS.ProcessEnv): Promise<JsonObject> {
  const existing = env.QWEN_CODE_SYSTEM_SETTINGS_PATH?.trim() || defaultQwenSystemSettings();
  const text = await readFile(existing, 'utf8').catch(() => undefined);
  if (text === undefined || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HeadroomError('INVALID_INPUT', `Qwen Code's system settings ${existing} are not plain JSON.`, {
      fix: 'Remove the comments from that file, or run with --no-qwen-budget to leave Qwen Code its own settings.',
      cause: error,
    });
  }
  return isObject(parsed) ? parsed : {};
}

/**
 * Writes Qwen Code's system settings for this session, `base` with the lifted cuts laid over it, in
 * `dir`, a private session folder (`openSessionFolder`) that `close` removes.
 */
export async function writeQwenSettings(base: JsonObject, dir: string): Promise<SessionSettings> {
  const close = await openSessionFolder(dir);
  const file = path.join(dir, 'settings.json');
  try {
    await writeFile(file, `${JSON.stringify(layered(base, QWEN_LIFTED_CUTS), null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    await close();
    throw error;
  }
  return { ...inVariables({ QWEN_CODE_SYSTEM_SETTINGS_PATH: file }), close };
}

/** The PID of the wrap a session folder belongs to. */
const OWNER_FILE = 'wrap.pid';
/** A folder younger than this may be one another wrap is still setting up (its PID not written yet). */
const ORPHAN_MIN_AGE_MS = 60_000;

/**
 * Makes `dir`, one session's private settings folder (mode 0700, under the state dir's
 * `agent-settings/`), marked with this wrap's PID, and removes the folders beside it of wraps that were
 * killed before they could remove their own. Returns what removes `dir`.
 */
export async function openSessionFolder(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(dir, OWNER_FILE), String(process.pid));
  await sweepOrphans(path.dirname(dir), dir);
  return () => rm(dir, { recursive: true, force: true });
}

/**
 * Removes the session folders of wraps that are gone without cleaning up (killed outright). A folder is
 * kept while its wrap's PID is alive, or while it is too young to tell; a reused PID only keeps it longer.
 */
async function sweepOrphans(parent: string, own: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const folder = path.join(parent, name);
    if (folder === own) continue;
    const info = await stat(folder).catch(() => undefined);
    if (!info?.isDirectory() || Date.now() - info.mtimeMs < ORPHAN_MIN_AGE_MS) continue;
    const pid = Number(await readFile(path.join(folder, OWNER_FILE), 'utf8').catch(() => ''));
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
    await rm(folder, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The opencode provider `wrap opencode` defines; a model is chosen as `-m headroom/<model>`. */
export const OPENCODE_PROVIDER = 'headroom';
/** The model of the headroom provider when the user names none and `OPENAI_MODEL` is unset. */
const OPENCODE_DEFAULT_MODEL = 'gpt-5';
/**
 * opencode 1.18 keeps the last 2,000 lines or 51,200 bytes of a `bash` output by itself; raised this far,
 * the whole output reaches the proxy (a bigger one still comes cut, as opencode's tail).
 */
export const OPENCODE_LIFTED_OUTPUT = { max_lines: 1_000_000, max_bytes: 16 * 1024 * 1024 };

/** The model the user's arguments select (`-m`, `--model`, `--model=`), or undefined. */
export function opencodeModelArg(userArgs: readonly string[]): string | undefined {
  let model: string | undefined;
  for (let i = 0; i < userArgs.length; i++) {
    const arg = userArgs[i]!;
    if (arg === '--') break;
    if (arg === '-m' || arg === '--model') model = userArgs[i + 1];
    else if (arg.startsWith('--model=')) model = arg.slice('--model='.length);
  }
  return model;
}

/**
 * The config `wrap opencode` gives opencode in `OPENCODE_CONFIG_CONTENT`: a chat-completions provider
 * `headroom` on the proxy whose key opencode reads from `OPENAI_API_KEY` itself (`{env:…}`, so the key is
 * never written anywhere), the model the user picked under it (else the default model,
 * `headroom/$OPENAI_MODEL` or gpt-5), and in budget mode opencode's own output cut lifted; laid over
 * `base`, the user's `OPENCODE_CONFIG_CONTENT`.
 */
export function opencodeSettings(
  proxyUrl: string,
  userArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  liftCut: boolean,
  base: JsonObject,
): SessionSettings {
  const chosen = opencodeModelArg(userArgs);
  const prefix = `${OPENCODE_PROVIDER}/`;
  const model = chosen?.startsWith(prefix)
    ? chosen.slice(prefix.length)
    : env.OPENAI_MODEL?.trim() || OPENCODE_DEFAULT_MODEL;
  const ours: JsonObject = {
    provider: {
      [OPENCODE_PROVIDER]: {
        name: 'headroom',
        npm: '@ai-sdk/openai-compatible',
        options: { baseURL: `${proxyUrl}/v1`, apiKey: '{env:OPENAI_API_KEY}' },
        models: { [model]: { name: model } },
      },
    },
    ...(chosen === undefined ? { model: `${prefix}${model}` } : {}),
    ...(liftCut ? { tool_output: OPENCODE_LIFTED_OUTPUT } : {}),
  };
  // The log shows headroom's part only: the user's own config may hold a literal `apiKey`.
  const over = Object.keys(base).length > 0 ? ' (laid over your OPENCODE_CONFIG_CONTENT)' : '';
  return {
    env: { OPENCODE_CONFIG_CONTENT: JSON.stringify(layered(base, ours)) },
    injected: [`OPENCODE_CONFIG_CONTENT=${JSON.stringify(ours)}${over}`],
    close: async () => undefined,
  };
}

/** The user's own `OPENCODE_CONFIG_CONTENT`, which the session's config replaces and so must hold. */
export function userOpencodeConfig(env: NodeJS.ProcessEnv): JsonObject {
  const text = env.OPENCODE_CONFIG_CONTENT;
  if (text === undefined || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HeadroomError('INVALID_INPUT', 'OPENCODE_CONFIG_CONTENT is not JSON.', {
      fix: 'Fix or unset OPENCODE_CONFIG_CONTENT; headroom lays its provider over it.',
      cause: error,
    });
  }
  if (!isObject(parsed))
    throw new HeadroomError('INVALID_INPUT', 'OPENCODE_CONFIG_CONTENT is not a JSON object.', {
      fix: 'Fix or unset OPENCODE_CONFIG_CONTENT; headroom lays its provider over it.',
    });
  return parsed;
}
