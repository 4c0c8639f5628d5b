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
  /**
   * Settles once the Redis client is loaded (~45 ms of module loading on the event loop): a server waits
   * for it before it listens, so no request waits for it instead.
   */
  readonly loaded: Promise<void>;
  health(): FleetHealth;
  /** The whole fleet's totals, from the ledger stream; rejects when Redis cannot answer in time. */
  totals(): Promise<FleetTotals & { readonly caughtUp: boolean }>;
  /** Writes what the ledger still holds (within the bound), then closes the connection. */
  close(): Promise<void>;
}

/** A replica's fleet state for `GET /metrics`: gauges an alert can watch (Redis up, ledger entries waiting). */
export function fleetMetrics(health: FleetHealth): string {
  const gauge = (name: string, help: string, value: number): string =>
    `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`;
  return (
    gauge(
      'headroom_fleet_redis_up',
      "1 when the fleet's Redis connection is ready.",
      health.redis.status === 'ready' ? 1 : 0,
    ) +
    gauge(
      'headroom_fleet_redis_failed_ops',
      'Redis commands that failed or ran out of time since start.',
      health.redis.failedOps,
    ) +
    gauge(
      'headroom_fleet_ledger_backlog',
      'Ledger entries waiting for Redis (all are in the local ledger).',
      health.ledgerBacklog.waiting,
    )
  );
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
    loaded: redis.loaded,
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
