import type { LedgerEntry } from '../ledger/entry.js';

export interface StatsBucket {
  readonly requests: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
}

/** What `GET /stats` returns: this proxy's model calls since it started (the ledger keeps history). */
export interface ProxyStats {
  readonly startedAt: string;
  /** Model calls (messages, chat completions, responses) that completed. */
  readonly requests: number;
  readonly compressedRequests: number;
  readonly passthroughs: number;
  readonly passthroughReasons: Readonly<Record<string, number>>;
  /** Model calls answered with a status of 400 or more. */
  readonly errors: number;
  /** Other requests forwarded as they were (model lists, token counting, `HEAD /`…). */
  readonly otherRequests: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
  readonly compressionMs: { readonly total: number; readonly max: number };
  /** The providers' own usage reports, summed. */
  readonly usage: {
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly cacheReadTokens: number;
    readonly cacheWriteTokens: number;
  };
  readonly byProvider: Readonly<Record<string, StatsBucket>>;
  readonly byModel: Readonly<Record<string, StatsBucket>>;
}

export interface StatsCollector {
  record(entry: LedgerEntry): void;
  recordOther(): void;
  snapshot(): ProxyStats;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const emptyBucket = (): Mutable<StatsBucket> => ({
  requests: 0,
  tokensBefore: 0,
  tokensAfter: 0,
  tokensSaved: 0,
});

function addTo(buckets: Map<string, Mutable<StatsBucket>>, key: string, entry: LedgerEntry): void {
  let bucket = buckets.get(key);
  if (!bucket) {
    bucket = emptyBucket();
    buckets.set(key, bucket);
  }
  bucket.requests += 1;
  bucket.tokensBefore += entry.tokensBefore;
  bucket.tokensAfter += entry.tokensAfter;
  bucket.tokensSaved += entry.tokensSaved;
}

/** In-memory totals for one proxy's lifetime. */
export function createStatsCollector(startedAt: Date = new Date()): StatsCollector {
  const totals = {
    requests: 0,
    compressedRequests: 0,
    passthroughs: 0,
    errors: 0,
    otherRequests: 0,
    tokensBefore: 0,
    tokensAfter: 0,
    tokensSaved: 0,
    compressionMsTotal: 0,
    compressionMsMax: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
  const reasons = new Map<string, number>();
  const byProvider = new Map<string, Mutable<StatsBucket>>();
  const byModel = new Map<string, Mutable<StatsBucket>>();
  return {
    record(entry) {
      totals.requests += 1;
      if (entry.passthroughReason === undefined) totals.compressedRequests += 1;
      else {
        totals.passthroughs += 1;
        reasons.set(entry.passthroughReason, (reasons.get(entry.passthroughReason) ?? 0) + 1);
      }
      if (entry.status >= 400) totals.errors += 1;
      totals.tokensBefore += entry.tokensBefore;
      totals.tokensAfter += entry.tokensAfter;
      totals.tokensSaved += entry.tokensSaved;
      totals.compressionMsTotal += entry.compressionMs;
      totals.compressionMsMax = Math.max(totals.compressionMsMax, entry.compressionMs);
      if (entry.usage) {
        totals.inputTokens += entry.usage.inputTokens;
        totals.outputTokens += entry.usage.outputTokens;
        totals.cacheReadTokens += entry.usage.cacheReadTokens;
        totals.cacheWriteTokens += entry.usage.cacheWriteTokens;
      }
      addTo(byProvider, entry.provider, entry);
      addTo(byModel, entry.model, entry);
    },
    recordOther() {
      totals.otherRequests += 1;
    },
    snapshot() {
      return {
        startedAt: startedAt.toISOString(),
        requests: totals.requests,
        compressedRequests: totals.compressedRequests,
        passthroughs: totals.passthroughs,
        passthroughReasons: Object.fromEntries(reasons),
        errors: totals.errors,
        otherRequests: totals.otherRequests,
        tokensBefore: totals.tokensBefore,
        tokensAfter: totals.tokensAfter,
        tokensSaved: totals.tokensSaved,
        compressionMs: { total: round(totals.compressionMsTotal), max: round(totals.compressionMsMax) },
        usage: {
          inputTokens: totals.inputTokens,
          outputTokens: totals.outputTokens,
          cacheReadTokens: totals.cacheReadTokens,
          cacheWriteTokens: totals.cacheWriteTokens,
        },
        byProvider: Object.fromEntries([...byProvider].map(([k, v]) => [k, { ...v }])),
        byModel: Object.fromEntries([...byModel].map(([k, v]) => [k, { ...v }])),
      };
    },
  };
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

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
  const perProvider = (name: string, help: string, pick: (b: StatsBucket) => number): void =>
    counter(
      name,
      help,
      Object.entries(stats.byProvider).map(([p, b]) => [`{provider="${label(p)}"}`, pick(b)]),
    );
  perProvider('headroom_requests_total', 'Model calls proxied.', (b) => b.requests);
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
  perProvider('headroom_tokens_before_total', 'Input tokens before compression.', (b) => b.tokensBefore);
  perProvider('headroom_tokens_after_total', 'Input tokens after compression.', (b) => b.tokensAfter);
  perProvider('headroom_tokens_saved_total', 'Input tokens removed by compression.', (b) => b.tokensSaved);
  counter('headroom_compression_seconds_total', 'Time spent compressing.', [
    ['', stats.compressionMs.total / 1000],
  ]);
  counter('headroom_provider_tokens_total', "Tokens in the providers' usage reports, by kind.", [
    ['{kind="input"}', stats.usage.inputTokens],
    ['{kind="output"}', stats.usage.outputTokens],
    ['{kind="cache_read"}', stats.usage.cacheReadTokens],
    ['{kind="cache_write"}', stats.usage.cacheWriteTokens],
  ]);
  return `${lines.join('\n')}\n`;
}
