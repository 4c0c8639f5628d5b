import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compressMessages } from '../../src/compress/compress.js';
import { createBlockMemo } from '../../src/compress/memo.js';
import { type BodyJob, runBodyJob } from '../../src/proxy/body-job.js';
import { type CompressPool, createCompressPool, workerExecArgv } from '../../src/proxy/compress-pool.js';
import { createFileStore } from '../../src/store/file-store.js';
import { apiRecords, testLog } from '../helpers/outputs.js';

describe('compression worker flags', () => {
  it('keeps node flags but never the parent’s own -e/-p script', () => {
    expect(workerExecArgv(['--max-old-space-size=512', '--input-type=module', '-e', 'startProxy()'])).toEqual(
      ['--max-old-space-size=512'],
    );
    expect(workerExecArgv(['--expose-gc', '--import', 'tsx', '--eval=x', '-p', '1'])).toEqual([
      '--expose-gc',
      '--import',
      'tsx',
    ]);
  });
});

/** A one-turn conversation whose tool output is big enough to compress; `seed` makes it another one. */
function job(seed: number): BodyJob {
  const output = seed % 2 === 0 ? testLog(3000) : apiRecords(800);
  const body = {
    model: 'claude-sonnet-4-6',
    max_tokens: 64,
    messages: [
      { role: 'user', content: `Look into run ${seed}.` },
      { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${seed}`, name: 'Bash', input: {} }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: `toolu_${seed}`, content: `${seed}\n${output}` }],
      },
    ],
  };
  return {
    raw: Buffer.from(JSON.stringify(body)),
    provider: 'anthropic',
    path: '/v1/messages',
    options: { compressSystemMessages: false, retrievalHint: 'Read {hash}' },
  };
}

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('compression pool', () => {
  let pool: CompressPool | undefined;
  const dirs: string[] = [];
  const newPool = (size: number, idleMs: number, laterMs?: number): CompressPool => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'headroom-pool-'));
    dirs.push(stateDir);
    pool = createCompressPool(
      {
        stateDir,
        storeMaxBytes: 64 << 20,
        storeTtlMs: 60_000,
        memoBytes: 16 << 20,
        claudeConfigDir: undefined,
      },
      size,
      idleMs,
      laterMs,
    );
    return pool;
  };
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('stops an idle worker and, started again by the next job, sends the same bytes as before', async () => {
    const p = newPool(1, 200);
    // The proxy's mirror of the workers' decisions, as compress-body keeps it.
    const mirror = createBlockMemo();
    p.seedFrom(mirror);
    const first = await p.run(job(1), 7);
    expect(first.outcome.passthroughReason).toBeUndefined();
    const stateDir = mkdtempSync(path.join(tmpdir(), 'headroom-pool-'));
    dirs.push(stateDir);
    const inProcess = await runBodyJob(job(1), {
      compress: compressMessages,
      memo: createBlockMemo(),
      store: createFileStore({ stateDir }),
    });
    expect(Buffer.from(first.outcome.body).equals(Buffer.from(inProcess.outcome.body))).toBe(true);
    await until(() => p.running === 0);
    expect(p.warm).toBe(false);
    // A new worker without the decisions decides the block again, to the same bytes.
    const again = await p.run(job(1), 7);
    expect(p.running).toBe(1);
    expect(Buffer.from(again.outcome.body).equals(Buffer.from(first.outcome.body))).toBe(true);
    expect(again.learned.length).toBeGreaterThan(0);
    // With them (the mirror now holds what the workers decided), it decides nothing again.
    for (const [key, entry] of again.learned) mirror.set(key, entry);
    await until(() => p.running === 0);
    const seeded = await p.run(job(1), 7);
    expect(Buffer.from(seeded.outcome.body).equals(Buffer.from(first.outcome.body))).toBe(true);
    expect(seeded.learned).toEqual([]);
  });

  it('starts a second worker only for a new conversation while the first is busy, and keeps each conversation on its worker', async () => {
    const p = newPool(2, 60_000);
    await p.warmUp();
    expect(p.running).toBe(1);
    // One conversation after another: the running worker takes both.
    await p.run(job(2), 100);
    await p.run(job(3), 102);
    expect(p.running).toBe(1);
    // Two new conversations at once: the second goes to the idle slot (affinities that would share a
    // slot by number alone).
    const [a, b] = await Promise.all([p.run(job(4), 104), p.run(job(5), 106)]);
    expect(p.running).toBe(2);
    expect(a.learned.length).toBeGreaterThan(0);
    expect(b.learned.length).toBeGreaterThan(0);
    // Every conversation's next turn meets the memo that holds its blocks: nothing to decide again.
    for (const [seed, affinity] of [
      [2, 100],
      [3, 102],
      [4, 104],
      [5, 106],
    ] as const) {
      const again = await p.run(job(seed), affinity);
      expect(again.learned).toEqual([]);
    }
  });

  it('holds jobs only the ledger waits for until a job someone waits for goes, then posts them together in order', async () => {
    // A wait for company longer than the test: only the urgent job can send the others.
    const p = newPool(1, 60_000, 60_000);
    await p.warmUp();
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      const later = [6, 7, 8].map((seed) => p.count(job(seed), 200 + seed));
      for (let i = 0; i < 3; i += 1) await new Promise((r) => setImmediate(r));
      expect(post).not.toHaveBeenCalled();
      const now = p.run(job(9), 209);
      const [counts, result] = await Promise.all([Promise.all(later), now]);
      expect(post).toHaveBeenCalledTimes(1);
      const batch = post.mock.calls[0]![0] as { id: number }[];
      expect(batch.map((m) => m.id)).toEqual([...batch.map((m) => m.id)].sort((a, b) => a - b));
      expect(batch).toHaveLength(4);
      expect(result.outcome.passthroughReason).toBeUndefined();
      // A count is the job's whole count, as a compression of the same body reports it.
      const full = await Promise.all([6, 7, 8].map((seed) => p.run(job(seed), 300 + seed)));
      expect(counts).toEqual(full.map((r) => r.outcome.tokensBefore));
      for (const n of counts) expect(n).toBeGreaterThan(0);
    } finally {
      post.mockRestore();
    }
  });
});
