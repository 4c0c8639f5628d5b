import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { LedgerEntry } from '../ledger/entry.js';
import { makeStateDirSync } from '../state-dir.js';
import { changeOf, formatInt } from './format.js';

/**
 * The one line per model call that `headroom proxy` prints and `wrap --verbose` logs; never content,
 * never secrets. A call that saved nothing shows its size alone (no `-0.0%`), then why it went out as is.
 */
export function requestLine(entry: LedgerEntry): string {
  const head = `${entry.ts} ${entry.provider} ${entry.model} ${entry.path} ${entry.status}`;
  const what = entry.passthroughReason ?? entry.transforms.join(', ');
  const tail = what === '' ? '' : ` ${what}`;
  if (entry.tokensSaved === 0 || entry.tokensBefore <= 0) {
    return `${head} ${formatInt(entry.tokensBefore)} tokens${tail}`;
  }
  // A view of a saved output can add tokens (Claude budget mode): that shows as `added`.
  const c = changeOf(entry.tokensSaved, (entry.tokensSaved / entry.tokensBefore) * 100);
  return `${head} ${formatInt(entry.tokensBefore)}→${formatInt(entry.tokensAfter)} tokens (${c.verb} ${c.percent})${tail}`;
}

/** Where wrap writes the proxy's lines: a file (created on first write) or a stream such as stderr. */
export interface LineLog {
  /** The file path, or `stderr`. */
  readonly target: string;
  /** Whether anything was written. */
  readonly used: boolean;
  write(line: string): void;
}

export function fileLineLog(file: string): LineLog {
  let used = false;
  return {
    target: file,
    get used() {
      return used;
    },
    write(line) {
      // Synchronous and lazy: a session that logs nothing leaves no file, and no line is lost at exit.
      // Never throws: the proxy writes here from its request and socket handlers, and a log that cannot
      // be written (a full disk, a directory removed mid-session) must not take the agent's session down.
      try {
        if (!used) makeStateDirSync(path.dirname(file));
        appendFileSync(file, `${line}\n`, { mode: 0o600 });
        used = true;
      } catch {
        // The line is dropped; the session goes on.
      }
    },
  };
}

export function streamLineLog(stream: NodeJS.WritableStream, name: string): LineLog {
  let used = false;
  return {
    target: name,
    get used() {
      return used;
    },
    write(line) {
      stream.write(`${line}\n`);
      used = true;
    },
  };
}
