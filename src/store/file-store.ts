import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeStateDir, stateDir } from '../state-dir.js';
import { decodeText, encodeText } from './wtf8.js';

/**
 * The proxy's retrieval store: each original a file, `<stateDir>/ccr/<hash>.txt`, named in the marker so
 * the agent's own Read/Bash tool can open it.
 *
 * Why files rather than an injected `headroom_retrieve` tool: coding agents already have file tools; an
 * injected tool changes the `tools` array (a prompt-cache bust unless sent byte-stable on every request)
 * and needs the proxy to intercept tool calls inside streamed responses, which breaks with subagents and
 * clients that validate tool names. A file works in every path, survives proxy restarts (the marker stays
 * redeemable for the TTL, not minutes), and is shared by every proxy on the machine. A file's mtime is its
 * last use, which drives both TTL and size eviction.
 */
export interface FileStore {
  readonly dir: string;
  /** The file an original lives in (whether or not it exists yet). */
  pathFor(hash: string): string;
  /**
   * Writes every original that is not on disk yet, refreshing the others' last-use time. Rejects if any
   * write failed (an original bigger than the whole store is refused). `sources`, by hash, are the bytes an
   * original was decoded from (a file of invalid UTF-8 read by `headroom compress`): stored instead of the
   * text's own encoding when they decode back to exactly that text, so `read` and the hash are unchanged.
   */
  putAll(originals: ReadonlyMap<string, string>, sources?: ReadonlyMap<string, Buffer>): Promise<void>;
  read(hash: string): Promise<string | undefined>;
  /** The stored bytes of an original (UTF-8, or WTF-8 for a string with lone surrogates). */
  readBytes(hash: string): Promise<Buffer | undefined>;
  /** Drops files past their TTL, then the least recently used until the store fits its size bound. */
  prune(): Promise<void>;
  /** The marker text (`retrievalHint`) that names an original's file, so the agent's own tools can read it. */
  readonly retrievalHint: string;
}

export interface FileStoreOptions {
  /** State directory; the store uses its `ccr/` folder. Default: `stateDir()`. */
  readonly stateDir?: string;
  /** Size bound over all originals, bytes. Default 256 MB. */
  readonly maxBytes?: number;
  /** How long an unused original is kept, ms. Default 7 days. */
  readonly ttlMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export const DEFAULT_STORE_MAX_BYTES = 256 * 1024 * 1024;
export const DEFAULT_STORE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Hashes are hex in practice; anything that could escape the folder is refused. */
const HASH_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** A block re-sent every turn needs its last-use time refreshed now and then, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;
/** Temp files older than this belong to a writer that died mid-write. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * The bytes an original is stored as: the bytes it was decoded from when they decode back to exactly that
 * text, else its own encoding (UTF-8, or WTF-8 with lone surrogates). Every copy of an original (this
 * store, a fleet's Redis) holds these same bytes.
 */
export function storedBytes(text: string, source?: Buffer): Buffer {
  return source !== undefined && decodeText(source) === text ? source : encodeText(text);
}

export function isValidHash(hash: string): boolean {
  return HASH_PATTERN.test(hash);
}

/** The folder holding retrieval files under a state directory. */
export function ccrDir(dir: string = stateDir()): string {
  return join(dir, 'ccr');
}

/** Reads an original back by its hash, or undefined when it is unknown or was evicted. */
export async function readOriginal(hash: string, dir: string = stateDir()): Promise<string | undefined> {
  const bytes = await readStored(ccrDir(dir), hash);
  return bytes === undefined ? undefined : decodeText(bytes);
}

/** How much the store holds: its originals (`.txt` files) and their bytes; zero when it does not exist yet. */
export async function measureStore(dir: string = stateDir()): Promise<{ files: number; bytes: number }> {
  const folder = ccrDir(dir);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, bytes: 0 };
    throw error;
  }
  let files = 0;
  let bytes = 0;
  for (const name of names) {
    if (!name.endsWith('.txt')) continue;
    const info = await stat(join(folder, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    files += 1;
    bytes += info.size;
  }
  return { files, bytes };
}

async function readStored(dir: string, hash: string): Promise<Buffer | undefined> {
  if (!isValidHash(hash)) return undefined;
  try {
    return await readFile(join(dir, `${hash}.txt`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Creates the store. Writes are atomic (temp file + rename), so a reader never sees half a file, and
 * idempotent, so two proxies writing the same hash both succeed with the same bytes.
 *
 * @example
 * const store = createFileStore({ stateDir: '/tmp/hr' });
 * await store.putAll(new Map([['ab12', 'original text']]));
 */
export function createFileStore(options: FileStoreOptions = {}): FileStore {
  const dir = ccrDir(options.stateDir ?? stateDir());
  const maxBytes = options.maxBytes ?? DEFAULT_STORE_MAX_BYTES;
  const ttlMs = options.ttlMs ?? DEFAULT_STORE_TTL_MS;
  const now = options.now ?? Date.now;
  const touched = new Map<string, number>();
  let dirReady: Promise<unknown> | undefined;
  /** Bytes on disk as of the last scan plus what this store wrote since; unknown until the first scan. */
  let knownBytes: number | undefined;
  /** Bytes this store has written, ever; a scan may miss what is written while it runs, so that is added. */
  let written = 0;
  let pruning: Promise<void> | undefined;

  const pathFor = (hash: string): string => {
    if (!isValidHash(hash)) throw new TypeError(`Expected a content hash, got \`${hash}\``);
    return join(dir, `${hash}.txt`);
  };

  async function putOne(hash: string, text: string, source: Buffer | undefined): Promise<void> {
    const at = now();
    const last = touched.get(hash);
    if (last !== undefined && at - last < TOUCH_INTERVAL_MS) return;
    const file = pathFor(hash);
    const seconds = at / 1000;
    try {
      await utimes(file, seconds, seconds);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const bytes = storedBytes(text, source);
      // It would evict everything else and then itself: the block goes out raw instead.
      if (bytes.length > maxBytes) throw new RangeError('original larger than the store');
      const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temp, bytes, { mode: 0o600 });
      await utimes(temp, seconds, seconds);
      await rename(temp, file);
      written += bytes.length;
      if (knownBytes !== undefined) knownBytes += bytes.length;
    }
    touched.set(hash, at);
    if (touched.size > 100_000) touched.delete(touched.keys().next().value!);
  }

  async function prune(): Promise<void> {
    const writtenBefore = written;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const at = now();
    const live: { file: string; size: number; mtime: number }[] = [];
    for (const name of names) {
      const file = join(dir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      const age = at - info.mtimeMs;
      const expired = name.endsWith('.tmp') ? age > STALE_TEMP_MS : name.endsWith('.txt') && age > ttlMs;
      if (expired) await removeQuietly(file);
      else if (name.endsWith('.txt')) live.push({ file, size: info.size, mtime: info.mtimeMs });
    }
    let total = live.reduce((sum, f) => sum + f.size, 0);
    live.sort((a, b) => a.mtime - b.mtime);
    for (const f of live) {
      if (total <= maxBytes) break;
      await removeQuietly(f.file);
      total -= f.size;
    }
    knownBytes = total + (written - writtenBefore);
    touched.clear();
  }

  // Pruning is a directory scan, so it runs on the first write and then whenever the bound is passed.
  function pruneSoon(): void {
    if (pruning || (knownBytes !== undefined && knownBytes <= maxBytes)) return;
    pruning = prune()
      .catch(() => undefined)
      .finally(() => {
        pruning = undefined;
        if (knownBytes !== undefined && knownBytes > maxBytes) pruneSoon();
      });
  }

  return {
    retrievalHint: `full output: ${join(dir, '{hash}.txt')}`,
    dir,
    pathFor,
    async putAll(originals, sources) {
      if (originals.size === 0) return;
      dirReady ??= makeStateDir(dir).catch((error: unknown) => {
        dirReady = undefined;
        throw error;
      });
      await dirReady;
      try {
        await Promise.all([...originals].map(([hash, text]) => putOne(hash, text, sources?.get(hash))));
      } finally {
        pruneSoon();
      }
    },
    async read(hash) {
      const bytes = await readStored(dir, hash);
      return bytes === undefined ? undefined : decodeText(bytes);
    },
    readBytes: (hash) => readStored(dir, hash),
    async prune() {
      await pruning;
      await prune();
    },
  };
}

async function removeQuietly(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}
