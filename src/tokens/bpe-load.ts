import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateDir } from '../state-dir.js';
import { buildTable, sourceIdentity } from './bpe-source.js';
import { type BpeTable, decodeTable, type EncodingName } from './bpe-table.js';

/**
 * Where a process finds its BPE table, first usable wins:
 *
 * 1. `shipped`: next to this module. `npm run build` (and so `prepack`) writes `dist/tokens/*.bpe`, so
 *    the installed CLI and library load a table without writing anything, from their first run.
 * 2. `cache`: `<state dir>/cache/tokenizer/*.bpe`. A clone runs the CLI from src/ through tsx with no
 *    shipped table; the first count there builds one (about a second) and later runs reuse it.
 * 3. `built`: derived from the installed gpt-tokenizer now, then written to the cache (tmp + rename, so
 *    a concurrent reader never sees half a file; an unwritable state dir only costs the rebuild).
 *
 * Every file is validated before use (magic, format version, size, sha256, encoding, and the
 * gpt-tokenizer version it was built from): a missing, truncated, corrupt or stale file falls through
 * to the next source, so it costs time, never a wrong count or a crash.
 */
export type TableSource = 'shipped' | 'cache' | 'built';

export interface LoadedTable {
  table: BpeTable;
  from: TableSource;
  /** Why each earlier source was passed over, e.g. `cache: checksum mismatch`. */
  skipped: string[];
}

export const shippedTablePath = (encoding: EncodingName): string =>
  fileURLToPath(new URL(`./${encoding}.bpe`, import.meta.url));

export const cachedTablePath = (encoding: EncodingName, env: NodeJS.ProcessEnv = process.env): string =>
  path.join(stateDir(env), 'cache', 'tokenizer', `${encoding}.bpe`);

export async function loadBpeTable(
  encoding: EncodingName,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedTable> {
  const expected = { encoding, source: sourceIdentity() };
  const skipped: string[] = [];
  const candidates: [TableSource, string][] = [
    ['shipped', shippedTablePath(encoding)],
    ['cache', cachedTablePath(encoding, env)],
  ];
  for (const [from, file] of candidates) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      skipped.push(`${from}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      continue;
    }
    const table = decodeTable(bytes, expected);
    if (typeof table !== 'string') return { table, from, skipped };
    skipped.push(`${from}: ${table}`);
  }
  const bytes = await buildTable(encoding);
  const table = decodeTable(bytes, expected);
  if (typeof table === 'string') throw new Error(`a freshly built ${encoding} table is invalid: ${table}`);
  writeAtomically(cachedTablePath(encoding, env), bytes);
  return { table, from: 'built', skipped };
}

/** Best effort: a cache that cannot be written is rebuilt next time, nothing worse. */
function writeAtomically(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
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
