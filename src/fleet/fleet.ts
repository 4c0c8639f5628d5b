import type { FileStore } from '../store/file-store.js';
import {
  createFleetLedgerWriter,
  createFleetTotals,
  type FleetLedgerWriter,
  type FleetTotals,
} from './ledger-stream.js';
import { withFleetCopy } from './mirror-store.js';
import { connectFleetRedis, type FleetRedisState } from './redis-connection.js';
import type { FleetConfig } from './redis-options.js';

/** A replica's view of its fleet, for `/health` and `/stats`. */
export interface FleetHealth {
  /** This replica's id in the fleet ledger (the one `/health` names). */
  readonly instance: string;
  readonly prefix: string;
  readonly redis: FleetRedisState;
  /** Ledger entries waiting for Redis (it was down), and entries dropped from that wait; all are in the local ledger. */
  readonly ledgerBacklog: { readonly waiting: number; readonly dropped: number };
}

/** What a proxy shares with the other replicas on the fleet's Redis (the compression workers write originals on their own connections). */
export interface Fleet {
  /** The store with every original also copied to Redis, and read from there when not held here. */
  share(store: FileStore): FileStore;
  readonly ledger: FleetLedgerWriter;
  health(): FleetHealth;
  /** The whole fleet's totals, from the ledger stream; rejects when Redis cannot answer in time. */
  totals(): Promise<FleetTotals & { readonly caughtUp: boolean }>;
  /** Writes what the ledger still holds (within the bound), then closes the connection. */
  close(): Promise<void>;
}

export function createFleet(
  config: FleetConfig,
  instance: string,
  storeTtlMs: number,
  log?: (line: string) => void,
): Fleet {
  const redis = connectFleetRedis(config, 'proxy', log ? { log } : {});
  const ledger = createFleetLedgerWriter(redis, instance, config.ledgerMaxEntries);
  return {
    share: (store) => withFleetCopy(store, redis, storeTtlMs),
    ledger,
    health: () => ({
      instance,
      prefix: config.prefix,
      redis: redis.state(),
      ledgerBacklog: ledger.backlog(),
    }),
    totals: createFleetTotals(redis),
    async close() {
      await ledger.flush();
      await redis.close();
    },
  };
}
