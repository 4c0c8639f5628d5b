import type { FleetLedgerWriter } from '../fleet/ledger-stream.js';
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

/**
 * One recorder per proxy (or app middleware): the same counting whichever way a call came in. In a fleet,
 * each entry is also appended to the fleet ledger on Redis (`fleetLedger`), never instead of the local one.
 */
export function createCallRecorder(
  options: ResolvedProxyOptions,
  fleetLedger?: FleetLedgerWriter,
): CallRecorder {
  const collector = createStatsCollector();
  const ledger = createLedgerWriter(options.stateDir, (error) =>
    options.log?.(`ledger write failed: ${(error as NodeJS.ErrnoException).code ?? 'error'}`),
  );
  return {
    complete(entry) {
      collector.record(entry);
      // Guarded where options are resolved: a caller's hook that throws breaks nothing.
      options.onRequest?.(entry);
      if (!options.ledger) return;
      ledger.append(entry);
      fleetLedger?.append(entry);
    },
    recordOther: collector.recordOther,
    stats: () => collector.snapshot(),
    flush: () => Promise.all([ledger.flush(), fleetLedger?.flush()]).then(() => undefined),
    close: () => Promise.all([ledger.close(), fleetLedger?.flush()]).then(() => undefined),
  };
}
