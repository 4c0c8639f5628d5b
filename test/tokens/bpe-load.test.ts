/**
 * Where the counter's table comes from (src/tokens/bpe-load.ts): a table file that is missing, truncated,
 * corrupt, of another format or built from another gpt-tokenizer is never used; the table is rebuilt
 * from the installed gpt-tokenizer, and counts stay exact. Run from src/, no table ships next to the
 * module, so the first load here always builds.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpeCounter } from '../../src/tokens/bpe-count.js';
import { cachedTablePath, loadBpeTable } from '../../src/tokens/bpe-load.js';
import { sourceIdentity } from '../../src/tokens/bpe-source.js';
import { type BpeTable, decodeTable, encodeTable, TABLE_FORMAT_VERSION } from '../../src/tokens/bpe-table.js';
import { craftedTexts, fixtureTexts } from '../helpers/token-texts.js';

const ENCODING = 'cl100k_base'; // the smaller vocabulary: each rebuild here takes a fraction of a second
const expected = { encoding: ENCODING, source: sourceIdentity() } as const;

/** A sample of texts with their gpt-tokenizer counts, to check a loaded table by. */
const sample = [...fixtureTexts().values()].map((text) => text.slice(0, 4000));
sample.push(...Object.values(craftedTexts()));
const exactCounts = sample.map((text) => countTokens(text, { disallowedSpecial: new Set() }));
const countsWith = (table: BpeTable) => sample.map(bpeCounter(table));

const homes: string[] = [];
async function freshHome(): Promise<NodeJS.ProcessEnv> {
  const home = await mkdtemp(path.join(tmpdir(), 'hr-bpe-'));
  homes.push(home);
  return { HEADROOM_HOME: home };
}
// Each holds a multi-megabyte table.
afterAll(() => Promise.all(homes.map((home) => rm(home, { recursive: true, force: true }))));

describe('table file validation', () => {
  let good: Buffer;
  beforeAll(async () => {
    const env = await freshHome();
    await loadBpeTable(ENCODING, env);
    good = await readFile(cachedTablePath(ENCODING, env));
  }, 60_000);

  it('reads a good file in place', () => {
    const table = decodeTable(good, expected);
    if (typeof table === 'string') throw new Error(table);
    expect(table.header).toMatchObject(expected);
    expect(countsWith(table)).toEqual(exactCounts);
  });

  it('rejects an empty, truncated, extended or foreign file', () => {
    expect(decodeTable(Buffer.alloc(0), expected)).toBe('shorter than its header');
    expect(decodeTable(good.subarray(0, good.length - 1), expected)).toMatch(/^\d+ bytes, expected \d+$/);
    expect(decodeTable(Buffer.concat([good, Buffer.from([0])]), expected)).toMatch(/bytes, expected/);
    expect(decodeTable(Buffer.from('x'.repeat(100)), expected)).toBe('not a headroom BPE table');
  });

  it('rejects a file whose bytes changed anywhere after the header', () => {
    for (const at of [64, 200, Math.floor(good.length / 2), good.length - 1]) {
      const corrupt = Buffer.from(good);
      corrupt[at] = (corrupt[at] as number) ^ 0x40;
      expect(decodeTable(corrupt, expected), `byte ${at}`).toBe('checksum mismatch');
    }
  });

  it('skips only the sha256 for a file vouched for otherwise (the shipped table)', () => {
    const unchecked = { checksum: false };
    const corrupt = Buffer.from(good);
    corrupt[200] = (corrupt[200] as number) ^ 0x40;
    expect(typeof decodeTable(corrupt, expected, unchecked)).toBe('object');
    expect(decodeTable(good.subarray(0, good.length - 1), expected, unchecked)).toMatch(/bytes, expected/);
    expect(decodeTable(good, { ...expected, source: 'gpt-tokenizer@3.0.0' }, unchecked)).toMatch(
      /^built from/,
    );
  });

  it('knows the installed gpt-tokenizer by its version', async () => {
    const installed = JSON.parse(
      await readFile(new URL('../../node_modules/gpt-tokenizer/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(expected.source).toBe(`gpt-tokenizer@${installed.version}`);
  });

  it('rejects another format version, another encoding and another gpt-tokenizer', () => {
    const otherFormat = Buffer.from(good);
    otherFormat.writeUInt32LE(999, 8);
    expect(decodeTable(otherFormat, expected)).toBe(`format 999, expected ${TABLE_FORMAT_VERSION}`);
    expect(decodeTable(good, { ...expected, encoding: 'o200k_base' })).toBe(
      'holds cl100k_base, expected o200k_base',
    );
    const table = decodeTable(good, expected) as BpeTable;
    const entries = Array.from(table.ranks, (rank, entry): [Uint8Array, number] => [
      table.blob.subarray(table.offsets[entry], table.offsets[entry + 1]),
      rank,
    ]);
    const older = encodeTable({ ...table.header, source: 'gpt-tokenizer@3.0.0' }, entries);
    expect(decodeTable(older, expected)).toBe(`built from gpt-tokenizer@3.0.0, installed ${expected.source}`);
  });
});

describe('loadBpeTable', () => {
  it('builds a missing table, caches it, then reads the cache', async () => {
    const env = await freshHome();
    const first = await loadBpeTable(ENCODING, env);
    expect(first.from).toBe('built');
    expect(first.skipped).toEqual(['shipped: ENOENT', 'cache: ENOENT']);
    const second = await loadBpeTable(ENCODING, env);
    expect(second.from).toBe('cache');
    expect(countsWith(second.table)).toEqual(exactCounts);
  }, 60_000);

  it('rebuilds over a corrupt or truncated cache, with exact counts, and the rebuilt cache is good', async () => {
    const env = await freshHome();
    await loadBpeTable(ENCODING, env);
    const file = cachedTablePath(ENCODING, env);
    const good = await readFile(file);
    const corrupt = Buffer.from(good);
    corrupt.fill(0, 5000, 6000);
    for (const [bad, reason] of [
      [corrupt, 'cache: checksum mismatch'],
      [good.subarray(0, 1000), `cache: 1000 bytes, expected ${good.length}`],
    ] as const) {
      await writeFile(file, bad);
      const loaded = await loadBpeTable(ENCODING, env);
      expect(loaded.from).toBe('built');
      expect(loaded.skipped).toContain(reason);
      expect(countsWith(loaded.table)).toEqual(exactCounts);
      expect((await loadBpeTable(ENCODING, env)).from).toBe('cache');
    }
  }, 60_000);

  it('counts exactly with a state dir it cannot write (HEADROOM_HOME names a file)', async () => {
    const { HEADROOM_HOME: dir } = await freshHome();
    const file = path.join(dir as string, 'not-a-dir');
    await writeFile(file, 'x');
    const env = { HEADROOM_HOME: file };
    for (let i = 0; i < 2; i++) {
      const loaded = await loadBpeTable(ENCODING, env);
      expect(loaded.from).toBe('built');
      expect(loaded.skipped).toEqual(['shipped: ENOENT', 'cache: ENOTDIR']);
      expect(countsWith(loaded.table)).toEqual(exactCounts);
    }
  }, 60_000);
});
