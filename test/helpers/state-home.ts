/**
 * Vitest global setup: one temporary HEADROOM_HOME for the run, removed after it. In-process tests count
 * tokens with src/, which ships no token table, so the first count builds one into the state dir's cache
 * (src/tokens/bpe-load.ts): here, never in the real ~/.headroom, and later test files reuse it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function setup(): Promise<() => Promise<void>> {
  const home = await mkdtemp(path.join(tmpdir(), 'headroom-vitest-'));
  process.env.HEADROOM_HOME = home;
  return () => rm(home, { recursive: true, force: true });
}
