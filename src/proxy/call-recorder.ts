import type { LedgerEntry } from '../ledger/entry.js';
import { createLedgerWriter } from '../ledger/ledger.js';
import type { ResolvedProxyOptions } from './options.js';
import { createStatsCollector, type ProxyStats } from './stats.js';

/** Where finished model calls go: the in-memory stats, the caller's `onRequest`, and the ledger. */
export interface CallRecorder {
  /** Counts one finished model call. */
  complete(entry: LedgerEntry): void;
  /** Counts one other forwarded request (model lists, token counting…). */
  recordOther(): void;
  stats(): ProxyStats;
  /** Resolves once every ledger line appended so far is on disk. */
  flush(): Promise<void>;
  /** Flushes and closes the ledger file. */
  close(): Promise<void>;
}

/** One recorder per proxy (or app middleware): the same counting whichever way a call came in. */
export function createCallRecorder(options: ResolvedProxyOptions): CallRecorder {
  const collector = createStatsCollector();
  const ledger = createLedgerWriter(options.stateDir, (error) =>
    options.log?.(`ledger write failed: ${(error as NodeJS.ErrnoException).code ?? 'error'}`),
  );
  return {
    complete(entry) {
      collector.record(entry);
      // Guarded where options are resolved: a caller's hook that throws breaks nothing.
      options.onRequest?.(entry);
      if (options.ledger) ledger.append(entry);
    },
    recordOther: collector.recordOther,
    stats: () => collector.snapshot(),
    flush: () => ledger.flush(),
    close: () => ledger.close(),
  };
}
