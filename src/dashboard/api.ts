import type { ProxyStats } from '../proxy/stats.js';
import type { DashboardView } from './aggregate.js';

/** A running proxy's own counters, which the ledger alone cannot give (requests in flight, uptime). */
export interface LiveCounters {
  readonly pid: number;
  readonly version: string;
  readonly optimize: boolean;
  readonly inflight: number;
  readonly stats: ProxyStats;
}

/** What `GET /v1/headroom/dashboard.json` answers; the page reads exactly this. */
export interface DashboardJson extends DashboardView {
  readonly generatedAt: string;
  readonly ledger: {
    readonly path: string;
    readonly entries: number;
    readonly skippedLines: number;
    readonly bytes: number;
  };
  readonly store: {
    readonly dir: string;
    readonly files: number;
    readonly bytes: number;
    readonly maxBytes: number;
  };
  /** Null when `headroom dashboard` serves the ledger without a proxy. */
  readonly live: LiveCounters | null;
}

export const DASHBOARD_JSON_PATH = '/v1/headroom/dashboard.json';
