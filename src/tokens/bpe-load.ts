import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeStateDirSync, stateDir } from '../state-dir.js';
import { buildTable, sourceIdentity } from './bpe-source.js';
import { type BpeTable, decodeTable, type EncodingName } from './bpe-table.js';

/**
 * Where a process finds its BPE table, first usable wins:
 *
 * 1. `shipped`: `dist/tokens/*.bpe`, which `npm run build` (and so `prepack`) writes, so the installed
 *    CLI and library load a table without writing anything, from their first run. Found as
 *    `../tokens/` from this module, which reaches it from dist/tokens/ and from the CLI's bundle in
 *    dist/bundle/ alike (from src/tokens/ it finds none: a clone uses the cache).
 * 2. `cache`: `<state dir>/cache/tokenizer/*.bpe`. A clone runs the CLI from src/ through tsx with no
 *    shipped table; the first count there builds one (about a second) and later runs reuse it.
 * 3. `built`: derived from the installed gpt-tokenizer now, then written to the cache (tmp + rename, so
 *    a concurrent reader never sees half a file; an unwritable state dir only costs the rebuild).
 *
 * Every file is validated before use (magic, format version, size, encoding, the gpt-tokenizer version
 * it was built from, and for the cache a sha256): a missing, truncated, corrupt or stale file falls
 * through to the next source, so it costs time, never a wrong count or a crash. The shipped table's
 * bytes are checked as the package's code is, by npm's integrity check at install: hashing its 5 MB
 * took 3-4 ms of every cold start (a third of the table's load).
 *
 * Files are read asynchronously, so a caller that starts the load early (`headroom compress` does,
 * before it loads the compressors) has the read done off the main thread meanwhile.
 */
export type TableSource = 'shipped' | 'cache' | 'built';

export interface LoadedTable {
  table: BpeTable;
  from: TableSource;
  /** Why each earlier source was passed over, e.g. `cache: checksum mismatch`. */
  skipped: string[];
}

export const shippedTablePath = (encoding: EncodingName): string =>
  fileURLToPath(new URL(`../tokens/${encoding}.bpe`, import.meta.url));

export const cachedTablePath = (encoding: EncodingName, env: NodeJS.ProcessEnv = process.env): string =>
  path.join(stateDir(env), 'cache', 'tokenizer', `${encoding}.bpe`);

export async function loadBpeTable(
  encoding: EncodingName,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedTable> {
  const expected = { encoding, source: sourceIdentity() };
  const skipped: string[] = [];
  const candidates: [TableSource, string, { checksum: boolean }][] = [
    ['shipped', shippedTablePath(encoding), { checksum: false }],
    ['cache', cachedTablePath(encoding, env), { checksum: true }],
  ];
  for (const [from, file, check] of candidates) {
    let bytes: Buffer;
    try {
      bytes = await readWhole(file);
    } catch (error) {
      skipped.push(`${from}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      continue;
    }
    const table = decodeTable(bytes, expected, check);
    if (typeof table !== 'string') return { table, from, skipped };
    skipped.push(`${from}: ${table}`);
  }
  const bytes = await buildTable(encoding);
  const table = decodeTable(bytes, expected);
  if (typeof table === 'string') throw new Error(`a freshly built ${encoding} table is invalid: ${table}`);
  writeAtomically(cachedTablePath(encoding, env), bytes);
  return { table, from: 'built', skipped };
}

/**
 * The file's bytes in one read on node's thread pool: `readFile` reads in 512 KB pieces, each issued
 * from the main thread, so a load overlapping other work there (module compilation) waited for it
 * between pieces.
 */
async function readWhole(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.allocUnsafeSlow(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** Best effort: a cache that cannot be written is rebuilt next time, nothing worse. */
function writeAtomically(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    makeStateDirSync(path.dirname(file));
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory itself is unwritable: no tmp file was left
    }
  }
}
