import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ccrDir, createFileStore, readOriginal } from '../../src/store/file-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DAY = 24 * 60 * 60 * 1000;

describe('retrieval file store', () => {
  it('writes each original to <stateDir>/ccr/<hash>.txt, byte for byte, readable only by the user', async () => {
    const store = createFileStore({ stateDir: dir });
    const original = 'line 1\r\nünïcödé 🎉\n\ttabbed\u0000nul\n';
    await store.putAll(new Map([['abc123', original]]));
    const file = join(dir, 'ccr', 'abc123.txt');
    expect(store.pathFor('abc123')).toBe(file);
    expect(await readFile(file, 'utf8')).toBe(original);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(ccrDir(dir))).mode & 0o777).toBe(0o700);
    expect(await readOriginal('abc123', dir)).toBe(original);
    expect(await store.read('abc123')).toBe(original);
  });

  it('writing the same hash twice, from two stores at once, leaves one intact file and no temp files', async () => {
    const a = createFileStore({ stateDir: dir });
    const b = createFileStore({ stateDir: dir });
    const text = 'x'.repeat(200_000);
    await Promise.all([
      a.putAll(new Map([['h1', text]])),
      b.putAll(new Map([['h1', text]])),
      a.putAll(new Map([['h1', text]])),
    ]);
    expect(await readdir(ccrDir(dir))).toEqual(['h1.txt']);
    expect(await readOriginal('h1', dir)).toBe(text);
  });

  it('returns undefined for unknown hashes and refuses names that could leave the folder', async () => {
    const store = createFileStore({ stateDir: dir });
    expect(await readOriginal('feedbeef', dir)).toBeUndefined();
    expect(await readOriginal('../ledger', dir)).toBeUndefined();
    expect(await store.read('../../etc/passwd')).toBeUndefined();
    expect(() => store.pathFor('a/b')).toThrow(/content hash/);
  });

  it('evicts originals unused for longer than the TTL', async () => {
    let now = Date.now();
    const store = createFileStore({ stateDir: dir, ttlMs: 7 * DAY, now: () => now });
    await store.putAll(new Map([['old', 'old text']]));
    now += 3 * DAY;
    await store.putAll(new Map([['recent', 'recent text']]));
    now += 5 * DAY;
    await store.prune();
    expect(await readOriginal('old', dir)).toBeUndefined();
    expect(await readOriginal('recent', dir)).toBe('recent text');
  });

  it('re-sending a block refreshes its last use, so a long session keeps its originals', async () => {
    let now = Date.now();
    const store = createFileStore({ stateDir: dir, ttlMs: 7 * DAY, now: () => now });
    await store.putAll(new Map([['kept', 'kept text']]));
    now += 6 * DAY;
    await store.putAll(new Map([['kept', 'kept text']]));
    now += 6 * DAY;
    await store.prune();
    expect(await readOriginal('kept', dir)).toBe('kept text');
  });

  it('evicts the least recently used originals when over its size bound', async () => {
    let now = Date.now();
    const store = createFileStore({ stateDir: dir, maxBytes: 2500, now: () => now });
    for (const name of ['a', 'b', 'c']) {
      await store.putAll(new Map([[name, name.repeat(1000)]]));
      now += 60_000 * 2;
    }
    await store.prune();
    expect(await readOriginal('a', dir)).toBeUndefined();
    expect(await readOriginal('b', dir)).toBe('b'.repeat(1000));
    expect(await readOriginal('c', dir)).toBe('c'.repeat(1000));
  });

  it('cleans up temp files left by a writer that died', async () => {
    const store = createFileStore({ stateDir: dir });
    await store.putAll(new Map([['live', 'text']]));
    const temp = join(ccrDir(dir), 'dead.txt.123.abc.tmp');
    await writeFile(temp, 'partial');
    const hoursAgo = (Date.now() - 2 * 60 * 60 * 1000) / 1000;
    await utimes(temp, hoursAgo, hoursAgo);
    await store.prune();
    expect(await readdir(ccrDir(dir))).toEqual(['live.txt']);
  });
});

describe('store bounds and exact bytes', () => {
  it('prunes as soon as its bound is passed, not a sixteenth later', async () => {
    let now = Date.now();
    const store = createFileStore({ stateDir: dir, maxBytes: 16_000, now: () => now });
    for (let i = 0; i < 205; i += 1) {
      await store.putAll(new Map([[`h${i}`, String(i % 10).repeat(100)]]));
      now += 120_000;
    }
    const total = async () => {
      const files = await readdir(ccrDir(dir));
      // A file the background prune removes between the listing and the stat counts for nothing.
      const sizes = await Promise.all(
        files.map(async (f) => (await stat(join(ccrDir(dir), f)).catch(() => ({ size: 0 }))).size),
      );
      return sizes.reduce((a, b) => a + b, 0);
    };
    // Pruning runs in the background of the write that passed the bound; give it a moment.
    for (let i = 0; i < 100 && (await total()) > 16_000; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(await total()).toBeLessThanOrEqual(16_000);
    expect(await readOriginal('h204', dir)).toBe('4'.repeat(100));
  });

  it('refuses an original bigger than the whole store instead of evicting everything', async () => {
    const store = createFileStore({ stateDir: dir, maxBytes: 1_000 });
    await store.putAll(new Map([['small', 'kept']]));
    await expect(store.putAll(new Map([['huge', 'x'.repeat(2_000)]]))).rejects.toThrow();
    expect(await readOriginal('small', dir)).toBe('kept');
  });

  it('stores and reads back strings with lone surrogates exactly', async () => {
    const store = createFileStore({ stateDir: dir });
    const text = 'a\ud800b\udc00c\ud83d\ude00d\udbff';
    await store.putAll(new Map([['lone', text]]));
    expect(await store.read('lone')).toBe(text);
    expect(await readOriginal('lone', dir)).toBe(text);
    const plain = 'ordinary text ✓ 😀';
    await store.putAll(new Map([['plain', plain]]));
    expect((await store.readBytes('plain'))!.toString('utf8')).toBe(plain);
  });
});
