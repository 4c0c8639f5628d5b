import { open, readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { AgentName } from '../agents.js';
import { codexHome } from '../agents.js';
import { claudeConfigDir } from './settings.js';

/**
 * On a terminal the agent writes to the screen itself, so its resume hint never passes through headroom.
 * The session is found instead in the agent's own store, by file names and times only (Claude Code
 * 2.1.197 and Codex 0.169.0, measured):
 * - Claude Code: `<CLAUDE_CONFIG_DIR or ~/.claude>/projects/<cwd, every non-alphanumeric as "-">/<uuid>.jsonl`
 * - Codex: `<CODEX_HOME or ~/.codex>/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl`, whose first line
 *   (`session_meta`) records the cwd.
 * - Gemini CLI 0.61.0: see `geminiSessions`.
 * Only a single session written since the launch, for this directory, is named: none or several (two
 * agents at once in one directory) name nothing, so the hint is never wrong.
 */
export interface SessionQuery {
  readonly agent: AgentName;
  /** The agent's own arguments, to skip non-interactive runs (nothing to resume there). */
  readonly args: readonly string[];
  /** The environment the agent ran with (where its store is). */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** When the agent was launched (ms since the epoch). */
  readonly since: number;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const CLAUDE_SESSION = new RegExp(`^(${UUID})\\.jsonl$`);
const CODEX_ROLLOUT = new RegExp(`^rollout-.*-(${UUID})\\.jsonl$`);
const GEMINI_CHAT = /^session-.*-([0-9a-f]{8})\.jsonl$/;
/** Claude Code shortens longer project names with a hash of its own; those are not guessed at. */
const MAX_CLAUDE_SLUG = 200;
/** Codex's first line carries its base instructions (~22 KB measured); reading stops here regardless. */
const MAX_FIRST_LINE_BYTES = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The id of the session the agent just used, when exactly one fits; undefined otherwise. */
export async function sessionFromStore(query: SessionQuery): Promise<string | undefined> {
  try {
    const ids =
      query.agent === 'claude' && !hasAny(query.args, ['-p', '--print'])
        ? await claudeSessions(query)
        : query.agent === 'codex' && !hasAny(query.args, ['exec', 'e'])
          ? await codexSessions(query)
          : query.agent === 'gemini' && !hasAny(query.args, ['-p', '--prompt'])
            ? await geminiSessions(query)
            : [];
    return ids.length === 1 ? ids[0] : undefined;
  } catch {
    return undefined; // An unreadable store only means no hint.
  }
}

/** Whether `args` holds one of `words` before a `--` (after which everything is a prompt). */
function hasAny(args: readonly string[], words: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => words.includes(arg));
}

async function claudeSessions({ env, cwd, since }: SessionQuery): Promise<string[]> {
  const slug = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  if (slug.length > MAX_CLAUDE_SLUG) return [];
  const dir = path.join(claudeConfigDir(env), 'projects', slug);
  return (await recentFiles(dir, CLAUDE_SESSION, since)).map((file) => file.id);
}

async function codexSessions({ env, cwd, since }: SessionQuery): Promise<string[]> {
  const sessions = path.join(codexHome(env), 'sessions');
  const ids: string[] = [];
  for (const day of dayDirs(since, Date.now())) {
    for (const file of await recentFiles(path.join(sessions, day), CODEX_ROLLOUT, since)) {
      if ((await recordedCwd(file.path)) === cwd) ids.push(file.id);
    }
  }
  return ids;
}

/** The `YYYY/MM/DD` folders a rollout started between `since` and `now` can be in, local time or UTC. */
function dayDirs(since: number, now: number): Set<string> {
  const days = new Set<string>();
  const pad = (n: number): string => String(n).padStart(2, '0');
  for (let t = since - DAY_MS; t <= now + DAY_MS; t += DAY_MS / 2) {
    const d = new Date(t);
    days.add(`${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())}`);
    days.add(`${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`);
  }
  return days;
}

/** Files in `dir` named like a session and written at or after `since`. A missing `dir` has none. */
async function recentFiles(
  dir: string,
  name: RegExp,
  since: number,
): Promise<{ path: string; id: string }[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const found: { path: string; id: string }[] = [];
  for (const entry of entries) {
    const id = name.exec(entry)?.[1];
    if (id === undefined) continue;
    const file = path.join(dir, entry);
    const info = await stat(file);
    if (info.isFile() && info.mtimeMs >= since) found.push({ path: file, id });
  }
  return found;
}

/** A session file's first line, parsed, read no further than that line; undefined when it is not JSON. */
async function firstLine(file: string): Promise<Record<string, unknown> | undefined> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_FIRST_LINE_BYTES);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      const newline = buffer.indexOf(0x0a, length);
      length += bytesRead;
      if (newline !== -1 && newline < length) {
        length = newline;
        break;
      }
    }
    return JSON.parse(buffer.subarray(0, length).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** The cwd a Codex rollout's first line (`session_meta`) records. */
async function recordedCwd(file: string): Promise<string | undefined> {
  const meta = (await firstLine(file)) as { type?: unknown; payload?: { cwd?: unknown } } | undefined;
  return meta?.type === 'session_meta' && typeof meta.payload?.cwd === 'string'
    ? meta.payload.cwd
    : undefined;
}

/**
 * Gemini CLI 0.61: `<GEMINI_CLI_HOME or ~>/.gemini/tmp/<project>/chats/session-<time>-<id prefix>.jsonl`,
 * the project's folder name given for this directory in `.gemini/projects.json`, the whole session id in
 * the file's first line.
 */
async function geminiSessions({ env, cwd, since }: SessionQuery): Promise<string[]> {
  const dir = path.join(env.GEMINI_CLI_HOME || env.HOME || homedir(), '.gemini');
  const projects = JSON.parse(await readFile(path.join(dir, 'projects.json'), 'utf8')) as {
    projects?: Record<string, unknown>;
  };
  const name = projects.projects?.[cwd];
  if (typeof name !== 'string' || name.includes('/') || name.startsWith('.')) return [];
  const ids: string[] = [];
  for (const file of await recentFiles(path.join(dir, 'tmp', name, 'chats'), GEMINI_CHAT, since)) {
    const id = (await firstLine(file.path))?.sessionId;
    if (typeof id === 'string' && new RegExp(`^${UUID}$`).test(id) && id.startsWith(file.id)) ids.push(id);
  }
  return ids;
}
