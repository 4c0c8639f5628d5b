import { type FileHandle, open } from 'node:fs/promises';
import { ledgerPath, parseLedgerLine } from '../ledger/ledger.js';
import { DashboardSums } from './aggregate.js';

/** The ledger as the dashboard last read it. */
export interface LedgerState {
  readonly path: string;
  readonly sums: DashboardSums;
  /** Lines that were not valid entries (torn, hand-edited), as `headroom stats` skips them. */
  readonly skippedLines: number;
  /** Bytes read, up to the last whole line. */
  readonly bytes: number;
}

export interface LedgerFollower {
  /** Reads what was appended since the last call (everything, the first time) and returns the sums. */
  read(): Promise<LedgerState>;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/**
 * Follows the ledger file: each read parses only the lines appended since the previous one, so a page
 * polling every few seconds costs the proxy a `stat` and a few new lines, not the whole history. A ledger
 * that was deleted, replaced or truncated (a user resetting their stats) is read again from the start.
 */
export function followLedger(dir: string, timeZone?: string): LedgerFollower {
  const path = ledgerPath(dir);
  let sums = new DashboardSums(timeZone);
  let skippedLines = 0;
  let offset = 0;
  let inode = -1;
  let running: Promise<LedgerState> | undefined;

  function reset(): void {
    sums = new DashboardSums(timeZone);
    skippedLines = 0;
    offset = 0;
  }

  function addLines(text: string): void {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const entry = parseLedgerLine(line);
      if (entry) sums.add(entry);
      else skippedLines += 1;
    }
  }

  /** Parses whole lines from `offset` to `size`; a line still being written waits for the next read. */
  async function readFrom(handle: FileHandle, size: number): Promise<void> {
    let carry = Buffer.alloc(0);
    while (offset + carry.length < size) {
      const length = Math.min(CHUNK_BYTES, size - offset - carry.length);
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await handle.read(chunk, 0, length, offset + carry.length);
      if (bytesRead === 0) break;
      const data = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      const end = data.lastIndexOf(NEWLINE);
      if (end < 0) {
        carry = data;
        continue;
      }
      addLines(data.toString('utf8', 0, end));
      offset += end + 1;
      carry = data.subarray(end + 1);
    }
  }

  async function read(): Promise<LedgerState> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      if (handle === undefined) {
        reset();
        inode = -1;
      } else {
        const info = await handle.stat();
        if (info.ino !== inode || info.size < offset) {
          reset();
          inode = info.ino;
        }
        await readFrom(handle, info.size);
      }
    } finally {
      await handle?.close().catch(() => undefined);
    }
    return { path, sums, skippedLines, bytes: offset };
  }

  return {
    read() {
      // One read at a time: two pages polling together share it.
      running ??= read().finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
