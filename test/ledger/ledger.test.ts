import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import {
  appendLedger,
  createLedgerWriter,
  ledgerPath,
  parseLedgerLine,
  readLedger,
} from '../../src/ledger/ledger.js';

const run = promisify(execFile);

function entry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    ts: '2026-01-02T03:04:05.000Z',
    session: 's1',
    agent: 'claude',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    path: '/v1/messages',
    status: 200,
    tokensBefore: 1000,
    tokensAfter: 400,
    tokensSaved: 600,
    transforms: ['json:items 100→10'],
    compressionMs: 3.5,
    usage: { inputTokens: 400, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 },
    latencyMs: 120,
    ...overrides,
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i += 1) {
    if (i > 500) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-ledger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('savings ledger', () => {
  it('appends entries as JSON lines and reads them back', async () => {
    await appendLedger(entry(), dir);
    await appendLedger(entry({ passthroughReason: 'disabled', tokensSaved: 0 }), dir);
    const text = await readFile(ledgerPath(dir), 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    const { entries, skipped } = await readLedger(dir);
    expect(skipped).toBe(0);
    expect(entries).toEqual([entry(), entry({ passthroughReason: 'disabled', tokensSaved: 0 })]);
  });

  it('creates its directory private to the user, and the ledger file too', async () => {
    const nested = join(dir, 'state', 'headroom');
    await appendLedger(entry(), nested);
    expect((await stat(nested)).mode & 0o777).toBe(0o700);
    expect((await stat(ledgerPath(nested))).mode & 0o777).toBe(0o600);
  });

  it('writes a line after a quiet spell at once, the lines of calls close after it together, and all on flush', async () => {
    // The file handle class is not exported; its prototype is reached through a handle.
    const probe = await open(join(dir, 'probe'), 'w');
    const write = vi.spyOn(Object.getPrototypeOf(probe), 'write');
    await probe.close();
    try {
      // A linger longer than the test: after the first write, nothing is written until the flush.
      const writer = createLedgerWriter(dir, undefined, 60_000);
      writer.append(entry({ latencyMs: 0 }));
      expect(write).toHaveBeenCalledTimes(0);
      await until(() => write.mock.calls.length === 1);
      await writer.flush();
      for (let i = 1; i < 30; i += 1) {
        writer.append(entry({ latencyMs: i }));
        await new Promise((r) => setImmediate(r));
      }
      expect(write).toHaveBeenCalledTimes(1);
      await writer.flush();
      expect(write).toHaveBeenCalledTimes(2);
      // Lines appended while a write is under way go out when it ends, not after another linger.
      writer.append(entry({ latencyMs: 30 }));
      const flushing = writer.flush();
      writer.append(entry({ latencyMs: 31 }));
      await flushing;
      await writer.close();
      const { entries } = await readLedger(dir);
      expect(entries.map((e) => e.latencyMs)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    } finally {
      write.mockRestore();
    }
  });

  it('reads an empty history when no ledger exists yet', async () => {
    expect(await readLedger(join(dir, 'missing'))).toEqual({ entries: [], skipped: 0 });
  });

  it('skips corrupt, torn and invalid lines and counts them', async () => {
    await appendLedger(entry(), dir);
    await appendFile(ledgerPath(dir), '{"ts":"2026-01-02T03:04:05.000Z","session":"s\n');
    await appendFile(ledgerPath(dir), 'not json at all\n\n');
    await appendFile(ledgerPath(dir), `${JSON.stringify({ ...entry(), provider: 'mistral' })}\n`);
    await appendFile(ledgerPath(dir), `${JSON.stringify({ ...entry(), tokensBefore: -1 })}\n`);
    await appendLedger(entry({ session: 's2' }), dir);
    const { entries, skipped } = await readLedger(dir);
    expect(entries.map((e) => e.session)).toEqual(['s1', 's2']);
    expect(skipped).toBe(4);
  });

  it('reads the lines of every provider the proxy routes', () => {
    for (const provider of ['anthropic', 'openai', 'gemini'] as const) {
      expect(parseLedgerLine(JSON.stringify(entry({ provider })))?.provider).toBe(provider);
    }
  });

  it('drops fields it does not know when reading', () => {
    const parsed = parseLedgerLine(JSON.stringify({ ...entry(), secret: 'sk-ant-xyz' }));
    expect(parsed).toEqual(entry());
  });

  it('keeps every line whole when two processes append at the same time', async () => {
    const script = `
      import { appendLedger } from ${JSON.stringify(new URL('../../src/ledger/ledger.ts', import.meta.url).pathname)};
      const long = 'x'.repeat(3000);
      await Promise.all(Array.from({ length: 200 }, (_, i) =>
        appendLedger({ ts: new Date().toISOString(), session: 'child', agent: 'codex', provider: 'openai', model: long,
          path: '/v1/responses', status: 200, tokensBefore: i, tokensAfter: i, tokensSaved: 0, transforms: [],
          compressionMs: 0, latencyMs: 1 }, process.argv[2])));
    `;
    const file = join(dir, 'child.mts');
    await writeFile(file, script);
    const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
    const child = run(tsx, [file, dir]);
    const long = 'y'.repeat(3000);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        appendLedger(entry({ session: 'parent', model: long, tokensBefore: i }), dir),
      ),
    );
    await child;
    const { entries, skipped } = await readLedger(dir);
    expect(skipped).toBe(0);
    expect(entries.filter((e) => e.session === 'parent')).toHaveLength(200);
    expect(entries.filter((e) => e.session === 'child')).toHaveLength(200);
  });
});
