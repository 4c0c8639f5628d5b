import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SessionQuery, sessionFromStore } from '../../../src/cli/wrap/session-store.js';

const ID_A = '72ec3e74-d5dd-41b0-94fb-9e3589b6150a';
const ID_B = '01a24ac5-da2a-7953-bc41-19ab5ab394bd';
const CWD = '/home/dev/my.work_dir';
/** The project folder Claude Code 2.1.197 made for that cwd (every non-alphanumeric became "-"). */
const SLUG = '-home-dev-my-work-dir';

let scratch: string;
let since: number;

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'headroom-session-store-'));
  // A file's mtime comes from the kernel's coarse clock, a few ms behind Date.now(); a real agent writes
  // its session hundreds of ms after the launch, so the launch is set a second back here.
  since = Date.now() - 1000;
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function file(at: string, text = '{}\n', ageMs?: number): Promise<void> {
  await mkdir(path.dirname(at), { recursive: true });
  await writeFile(at, text);
  if (ageMs !== undefined) {
    const then = new Date(since - ageMs);
    await utimes(at, then, then);
  }
}

describe('sessionFromStore, Claude Code', () => {
  const query = (over: Partial<SessionQuery> = {}): SessionQuery => ({
    agent: 'claude',
    args: [],
    env: { CLAUDE_CONFIG_DIR: path.join(scratch, 'claude') },
    cwd: CWD,
    since,
    ...over,
  });
  const session = (id: string, slug = SLUG) => path.join(scratch, 'claude', 'projects', slug, `${id}.jsonl`);

  it('names the one session written since the launch, for this directory', async () => {
    await file(session(ID_A));
    expect(await sessionFromStore(query())).toBe(ID_A);
  });

  it('finds ~/.claude when CLAUDE_CONFIG_DIR is not set', async () => {
    await file(path.join(scratch, 'home', '.claude', 'projects', SLUG, `${ID_A}.jsonl`));
    expect(await sessionFromStore(query({ env: { HOME: path.join(scratch, 'home') } }))).toBe(ID_A);
  });

  it('names nothing without a session, or with two (two agents at once in one directory)', async () => {
    expect(await sessionFromStore(query())).toBeUndefined();
    await file(session(ID_A));
    await file(session(ID_B));
    expect(await sessionFromStore(query())).toBeUndefined();
  });

  it('ignores sessions from before the launch, other projects and other files', async () => {
    await file(session(ID_B), '{}\n', 60_000);
    await file(session(ID_A, '-home-dev-other'));
    await file(path.join(scratch, 'claude', 'projects', SLUG, 'notes.jsonl'));
    expect(await sessionFromStore(query())).toBeUndefined();
    await file(session(ID_A));
    expect(await sessionFromStore(query())).toBe(ID_A);
  });

  it('skips runs with nothing to resume (-p, --print)', async () => {
    await file(session(ID_A));
    expect(await sessionFromStore(query({ args: ['-p', 'fix it'] }))).toBeUndefined();
    expect(await sessionFromStore(query({ args: ['--print', 'fix it'] }))).toBeUndefined();
    expect(await sessionFromStore(query({ args: ['--', '-p'] }))).toBe(ID_A);
  });
});

describe('sessionFromStore, Codex', () => {
  const home = () => path.join(scratch, 'codex');
  const query = (over: Partial<SessionQuery> = {}): SessionQuery => ({
    agent: 'codex',
    args: [],
    env: { CODEX_HOME: home() },
    cwd: CWD,
    since,
    ...over,
  });
  /** A rollout where Codex 0.169.0 put one: today's folder, its first line the session_meta with the cwd. */
  const rollout = async (id: string, cwd: string | undefined, ageMs?: number) => {
    const d = new Date();
    const day = `${d.getFullYear()}/${String(d.getMonth() + 1).padStart(2, '0')}/${String(d.getDate()).padStart(2, '0')}`;
    const meta = {
      timestamp: d.toISOString(),
      type: 'session_meta',
      payload: { id, ...(cwd === undefined ? {} : { cwd }), base_instructions: { text: 'x'.repeat(30_000) } },
    };
    const line = JSON.stringify(meta);
    await file(
      path.join(home(), 'sessions', day, `rollout-2026-12-06T09-53-30-${id}.jsonl`),
      `${line}\n{}\n`,
      ageMs,
    );
  };

  it('names the one rollout written since the launch that records this directory', async () => {
    await rollout(ID_B, CWD);
    expect(await sessionFromStore(query())).toBe(ID_B);
  });

  it('names nothing without a rollout, or with two in this directory', async () => {
    expect(await sessionFromStore(query())).toBeUndefined();
    await rollout(ID_A, CWD);
    await rollout(ID_B, CWD);
    expect(await sessionFromStore(query())).toBeUndefined();
  });

  it('ignores older rollouts, other directories and rollouts that record no cwd', async () => {
    await rollout(ID_A, CWD, 60_000);
    await rollout(ID_B, '/home/dev/other');
    await rollout('11111111-2222-3333-4444-555555555555', undefined);
    expect(await sessionFromStore(query())).toBeUndefined();
  });

  it('skips `codex exec`, which has nothing to resume', async () => {
    await rollout(ID_B, CWD);
    expect(await sessionFromStore(query({ args: ['exec', 'fix it'] }))).toBeUndefined();
    expect(await sessionFromStore(query({ args: ['-m', 'gpt-5'] }))).toBe(ID_B);
  });

  it('names nothing for aider, which keeps no such store', async () => {
    expect(await sessionFromStore(query({ agent: 'aider' }))).toBeUndefined();
  });
});

describe('sessionFromStore, Gemini CLI', () => {
  const home = () => path.join(scratch, 'home');
  const query = (over: Partial<SessionQuery> = {}): SessionQuery => ({
    agent: 'gemini',
    args: ['--yolo'],
    env: { HOME: home() },
    cwd: CWD,
    since,
    ...over,
  });
  /** Gemini CLI 0.61's chat file: the id's first 8 characters in the name, the whole id on line one. */
  const chat = (id: string, project = 'my-work-dir') =>
    path.join(home(), '.gemini', 'tmp', project, 'chats', `session-2026-12-06T21-49-${id.slice(0, 8)}.jsonl`);
  const firstLine = (id: string) =>
    `${JSON.stringify({ sessionId: id, projectHash: 'ab', kind: 'main' })}\n{}\n`;

  beforeEach(async () => {
    await file(
      path.join(home(), '.gemini', 'projects.json'),
      JSON.stringify({ projects: { [CWD]: 'my-work-dir', '/elsewhere': 'elsewhere' } }),
    );
  });

  it('names the one session written since the launch in the project of this directory', async () => {
    await file(chat(ID_A), firstLine(ID_A));
    await file(chat(ID_B, 'elsewhere'), firstLine(ID_B));
    expect(await sessionFromStore(query())).toBe(ID_A);
  });

  it('names none for -p runs, older sessions, two sessions, or a first line that does not match the name', async () => {
    await file(chat(ID_A), firstLine(ID_A));
    expect(await sessionFromStore(query({ args: ['-p', 'hi'] }))).toBeUndefined();
    await file(chat(ID_A), firstLine(ID_A), 60_000);
    expect(await sessionFromStore(query())).toBeUndefined();
    await file(chat(ID_A), firstLine(ID_B));
    expect(await sessionFromStore(query())).toBeUndefined();
    await file(chat(ID_A), firstLine(ID_A));
    await file(chat(ID_B), firstLine(ID_B));
    expect(await sessionFromStore(query())).toBeUndefined();
  });
});
