import type { LedgerEntry } from '../ledger/entry.js';
import { Savings, type Totals } from '../ledger/savings.js';

/** What `GET /stats` returns: this proxy's model calls since it started (the ledger keeps history). */
export interface ProxyStats extends Totals {
  readonly startedAt: string;
  /** Other requests forwarded as they were (model lists, token counting, `HEAD /`…). */
  readonly otherRequests: number;
  readonly byProvider: Readonly<Record<string, Totals>>;
  readonly byModel: Readonly<Record<string, Totals>>;
}

export interface StatsCollector {
  record(entry: LedgerEntry): void;
  recordOther(): void;
  snapshot(): ProxyStats;
}

/** Adds an entry to its group's running sum (a group seen for the first time starts one). */
export function addTo(groups: Map<string, Savings>, key: string, entry: LedgerEntry): void {
  let savings = groups.get(key);
  if (!savings) {
    savings = new Savings();
    groups.set(key, savings);
  }
  savings.add(entry);
}

export const totalsOf = (groups: Map<string, Savings>): Record<string, Totals> =>
  Object.fromEntries([...groups].map(([key, savings]) => [key, savings.totals()]));

/** In-memory totals for one proxy's lifetime: counters only, never the entries. */
export function createStatsCollector(startedAt: Date = new Date()): StatsCollector {
  const all = new Savings();
  const byProvider = new Map<string, Savings>();
  const byModel = new Map<string, Savings>();
  let otherRequests = 0;
  return {
    record(entry) {
      all.add(entry);
      addTo(byProvider, entry.provider, entry);
      addTo(byModel, entry.model, entry);
    },
    recordOther() {
      otherRequests += 1;
    },
    snapshot() {
      return {
        startedAt: startedAt.toISOString(),
        ...all.totals(),
        otherRequests,
        byProvider: totalsOf(byProvider),
        byModel: totalsOf(byModel),
      };
    },
  };
}

/** Label values are escaped as the exposition format requires: backslash, quote, newline. */
const label = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The same numbers in Prometheus text exposition format, for `GET /metrics`. */
export function toPrometheus(stats: ProxyStats): string {
  const lines: string[] = [];
  // Every number here only grows while the proxy runs, so each is a counter.
  const counter = (name: string, help: string, samples: [string, number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  const perProvider = (name: string, help: string, pick: (t: Totals) => number): void =>
    counter(
      name,
      help,
      Object.entries(stats.byProvider).map(([p, t]) => [`{provider="${label(p)}"}`, pick(t)]),
    );
  perProvider('headroom_requests_total', 'Model calls proxied.', (t) => t.requests);
  counter('headroom_compressed_requests_total', 'Model calls sent compressed.', [
    ['', stats.compressedRequests],
  ]);
  counter(
    'headroom_passthrough_requests_total',
    'Model calls sent unchanged, by reason.',
    Object.entries(stats.passthroughReasons).map(([r, n]) => [`{reason="${label(r)}"}`, n]),
  );
  counter('headroom_error_responses_total', 'Model calls answered with status >= 400.', [['', stats.errors]]);
  counter('headroom_other_requests_total', 'Non-model requests forwarded.', [['', stats.otherRequests]]);
  perProvider(
    'headroom_tokens_before_total',
    'Whole-request input tokens before compression.',
    (t) => t.tokensBefore,
  );
  perProvider(
    'headroom_tokens_after_total',
    'Whole-request input tokens after compression.',
    (t) => t.tokensAfter,
  );
  perProvider('headroom_tokens_saved_total', 'Input tokens removed by compression.', (t) => t.tokensSaved);
  counter('headroom_compression_seconds_total', 'Time spent compressing.', [
    ['', stats.compressionMs.total / 1000],
  ]);
  counter('headroom_provider_tokens_total', "Tokens in the providers' usage reports, by kind.", [
    ['{kind="input"}', stats.inputTokens],
    ['{kind="output"}', stats.outputTokens],
    ['{kind="cache_read"}', stats.cacheReadTokens],
    ['{kind="cache_write"}', stats.cacheWriteTokens],
  ]);
  return `${lines.join('\n')}\n`;
}
