import { type FileHandle, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { makeStateDir, stateDir } from '../state-dir.js';
import type { LedgerEntry, Usage } from './entry.js';

/** Where the savings ledger lives: one JSON object per line, appended by every proxy. */
export function ledgerPath(dir: string = stateDir()): string {
  return join(dir, 'ledger.jsonl');
}

/** Writes whole lines in one write(2) on an O_APPEND descriptor, so appends from several processes never interleave. */
async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  // A short write is not expected on a local file; finish it rather than lose the lines.
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

async function appendLines(dir: string, data: Buffer): Promise<void> {
  const handle = await open(ledgerPath(dir), 'a', 0o600);
  try {
    await writeAll(handle, data);
  } finally {
    await handle.close();
  }
}

const line = (entry: LedgerEntry): string => `${JSON.stringify(entry)}\n`;

/** Appends one entry as one line, creating the state directory (0700) if needed. */
export async function appendLedger(entry: LedgerEntry, dir: string = stateDir()): Promise<void> {
  await makeStateDir(dir);
  await appendLines(dir, Buffer.from(line(entry), 'utf8'));
}

/** A ledger appender for a long-lived proxy: lines that arrive while a write is running go out together. */
export interface LedgerWriter {
  append(entry: LedgerEntry): void;
  /** Resolves when every appended entry is on disk (or its write failed and was reported). */
  flush(): Promise<void>;
  /** Flushes, then closes the file. */
  close(): Promise<void>;
}

/** Most lines per write; keeps each write small enough to stay a single atomic append. */
const MAX_BATCH = 128;
/**
 * Within this long of the last write, a line waits for others (the rest of that time) before it is
 * written: under load, one write for many calls costs the proxy one wake-up of a file-system thread
 * instead of one each. A line after a quiet spell is written at once, so an agent's calls (seconds
 * apart) are on disk as they end, and a proxy that is killed loses at most this much of its lines.
 */
const LINGER_MS = 50;
/** How often the writer checks that its open file is still the ledger (a user may delete it to reset stats). */
const RECHECK_MS = 1000;

/**
 * Keeps the ledger open between writes (opening and closing it per request was a sixth of the proxy's
 * busy time), and reopens it when it was deleted or replaced.
 */
export function createLedgerWriter(
  dir: string = stateDir(),
  onError?: (error: unknown) => void,
  lingerMs = LINGER_MS,
): LedgerWriter {
  let queue: string[] = [];
  let running: Promise<void> | undefined;
  let lingering: NodeJS.Timeout | undefined;
  let wroteAt = Number.NEGATIVE_INFINITY;
  let handle: FileHandle | undefined;
  let inode = 0;
  let checkedAt = 0;

  async function release(): Promise<void> {
    const open = handle;
    handle = undefined;
    await open?.close().catch(() => undefined);
  }

  async function file(): Promise<FileHandle> {
    const now = Date.now();
    if (handle && now - checkedAt > RECHECK_MS) {
      checkedAt = now;
      const current = await stat(ledgerPath(dir)).catch(() => undefined);
      if (current?.ino !== inode) await release();
    }
    if (!handle) {
      await makeStateDir(dir);
      handle = await open(ledgerPath(dir), 'a', 0o600);
      inode = (await handle.stat()).ino;
      checkedAt = now;
    }
    return handle;
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        await writeAll(await file(), Buffer.from(batch.join(''), 'utf8'));
      } catch (error) {
        await release();
        onError?.(error);
      }
    }
    running = undefined;
  }

  function write(): void {
    clearTimeout(lingering);
    lingering = undefined;
    wroteAt = performance.now();
    running ??= drain();
  }

  return {
    append(entry) {
      queue.push(line(entry));
      // A write under way takes lines that arrive meanwhile when it ends.
      if (running || lingering) return;
      const wait = wroteAt + lingerMs - performance.now();
      if (wait > 0) lingering = setTimeout(write, wait);
      else write();
    },
    async flush() {
      if (lingering) write();
      while (running) await running;
    },
    async close() {
      await this.flush();
      await release();
    },
  };
}

/** Reads the whole ledger; lines that are not valid entries (torn, hand-edited) are counted and skipped. */
export async function readLedger(
  dir: string = stateDir(),
): Promise<{ entries: LedgerEntry[]; skipped: number }> {
  const entries: LedgerEntry[] = [];
  let skipped = 0;
  let handle: FileHandle;
  try {
    handle = await open(ledgerPath(dir), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries, skipped };
    throw error;
  }
  const input = handle.createReadStream({ encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const entry = parseLedgerLine(line);
      if (entry) entries.push(entry);
      else skipped += 1;
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { entries, skipped };
}

type Json = Record<string, unknown>;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === 'string';

function parseUsage(value: unknown): Usage | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) return null;
  const u = value as Json;
  if (!isCount(u.inputTokens) || !isCount(u.outputTokens)) return null;
  if (!isCount(u.cacheReadTokens) || !isCount(u.cacheWriteTokens)) return null;
  return {
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cacheReadTokens: u.cacheReadTokens,
    cacheWriteTokens: u.cacheWriteTokens,
  };
}

function parseKeptRaw(value: unknown): LedgerEntry['blocksKeptRaw'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const out: Partial<Record<'timeout' | 'compression-error' | 'store-error', number>> = {};
  for (const key of ['timeout', 'compression-error', 'store-error'] as const) {
    const n = (value as Json)[key];
    if (isCount(n)) out[key] = n;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Validates one ledger line; returns undefined for anything that is not a well-formed entry. */
export function parseLedgerLine(line: string): LedgerEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Json;
  if (!isText(v.ts) || Number.isNaN(Date.parse(v.ts))) return undefined;
  if (!isText(v.session) || !isText(v.agent) || !isText(v.model) || !isText(v.path)) return undefined;
  if (v.provider !== 'anthropic' && v.provider !== 'openai' && v.provider !== 'gemini') return undefined;
  if (!Number.isInteger(v.status)) return undefined;
  if (!isCount(v.tokensBefore) || !isCount(v.tokensAfter) || typeof v.tokensSaved !== 'number')
    return undefined;
  if (!Array.isArray(v.transforms) || !v.transforms.every(isText)) return undefined;
  if (v.passthroughReason !== undefined && !isText(v.passthroughReason)) return undefined;
  if (!isCount(v.compressionMs) || !isCount(v.latencyMs)) return undefined;
  const usage = parseUsage(v.usage);
  if (usage === null) return undefined;
  const stream =
    v.stream === 'completed' || v.stream === 'broken' || v.stream === 'cancelled' ? v.stream : undefined;
  const kept = parseKeptRaw(v.blocksKeptRaw);
  return {
    ts: v.ts,
    session: v.session,
    agent: v.agent,
    provider: v.provider,
    model: v.model,
    path: v.path,
    status: v.status as number,
    tokensBefore: v.tokensBefore,
    tokensAfter: v.tokensAfter,
    tokensSaved: v.tokensSaved,
    transforms: v.transforms as string[],
    ...(v.passthroughReason === undefined ? {} : { passthroughReason: v.passthroughReason }),
    compressionMs: v.compressionMs,
    ...(usage === undefined ? {} : { usage }),
    ...(kept === undefined ? {} : { blocksKeptRaw: kept }),
    ...(stream === undefined ? {} : { stream }),
    latencyMs: v.latencyMs,
  };
}
