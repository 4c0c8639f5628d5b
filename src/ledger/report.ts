import type { LedgerEntry } from './entry.js';
import { moneySaved } from './pricing.js';

export type GroupBy = 'day' | 'week' | 'month' | 'session' | 'agent' | 'model';
export type SortOrder = 'asc' | 'desc';

/** Sums over a set of ledger entries. Token figures are net: what headroom added is already subtracted. */
export interface Totals {
  readonly requests: number;
  /** Requests that went through unchanged (any passthrough reason). */
  readonly passthroughs: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
  /** tokensSaved / tokensBefore × 100; 0 when nothing was counted. */
  readonly savedPercent: number;
  /** USD at list price, over the priced requests only. */
  readonly moneySaved: number;
  /** Models with no price in the snapshot; their requests are left out of moneySaved. */
  readonly unpricedModels: readonly string[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

export interface ModelTotals extends Totals {
  readonly model: string;
}

export interface ReportRow extends Totals {
  /** The group: `2026-11-25`, `2026-11-23` (week starting Monday), `2026-11`, a session id, an agent or a model. */
  readonly key: string;
  readonly agents: readonly string[];
  readonly models: readonly string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Per-model totals, when asked for. */
  readonly breakdown?: readonly ModelTotals[];
}

export interface Report {
  readonly groupBy: GroupBy;
  readonly rows: readonly ReportRow[];
  readonly totals: Totals;
}

export interface ReportOptions {
  readonly groupBy: GroupBy;
  /** IANA zone for day/week/month keys and the since/until filter; undefined means the local zone. */
  readonly timeZone?: string | undefined;
  /** Inclusive `YYYY-MM-DD` bounds, in that zone. */
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly agent?: string | undefined;
  readonly order?: SortOrder;
  readonly breakdown?: boolean;
}

interface Accumulator {
  requests: number;
  passthroughs: number;
  tokensBefore: number;
  tokensAfter: number;
  tokensSaved: number;
  moneySaved: number;
  unpriced: Set<string>;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

function emptyAccumulator(): Accumulator {
  return {
    requests: 0,
    passthroughs: 0,
    tokensBefore: 0,
    tokensAfter: 0,
    tokensSaved: 0,
    moneySaved: 0,
    unpriced: new Set(),
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
}

function add(acc: Accumulator, entry: LedgerEntry): void {
  acc.requests += 1;
  if (entry.passthroughReason !== undefined) acc.passthroughs += 1;
  acc.tokensBefore += entry.tokensBefore;
  acc.tokensAfter += entry.tokensAfter;
  acc.tokensSaved += entry.tokensSaved;
  const money = moneySaved(entry);
  if (money === undefined) acc.unpriced.add(entry.model);
  else acc.moneySaved += money;
  if (entry.usage !== undefined) {
    acc.inputTokens += entry.usage.inputTokens;
    acc.outputTokens += entry.usage.outputTokens;
    acc.cacheReadTokens += entry.usage.cacheReadTokens;
    acc.cacheWriteTokens += entry.usage.cacheWriteTokens;
  }
}

function finish(acc: Accumulator): Totals {
  return {
    requests: acc.requests,
    passthroughs: acc.passthroughs,
    tokensBefore: acc.tokensBefore,
    tokensAfter: acc.tokensAfter,
    tokensSaved: acc.tokensSaved,
    savedPercent: acc.tokensBefore > 0 ? (acc.tokensSaved / acc.tokensBefore) * 100 : 0,
    moneySaved: acc.moneySaved,
    unpricedModels: [...acc.unpriced].sort(),
    inputTokens: acc.inputTokens,
    outputTokens: acc.outputTokens,
    cacheReadTokens: acc.cacheReadTokens,
    cacheWriteTokens: acc.cacheWriteTokens,
  };
}

/** Totals over entries; what `wrap` prints when its agent exits. */
export function summarize(entries: Iterable<LedgerEntry>): Totals {
  const acc = emptyAccumulator();
  for (const entry of entries) add(acc, entry);
  return finish(acc);
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of an ISO time in a zone (local when undefined). */
export function dayKey(ts: string, timeZone?: string): string {
  const id = timeZone ?? '';
  let format = dayFormatters.get(id);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      ...(timeZone === undefined ? {} : { timeZone }),
    });
    dayFormatters.set(id, format);
  }
  return format.format(new Date(ts));
}

/** The Monday that starts the week of a `YYYY-MM-DD` day. */
export function weekKey(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - sinceMonday);
  return date.toISOString().slice(0, 10);
}

function groupKey(entry: LedgerEntry, day: string, groupBy: GroupBy): string {
  switch (groupBy) {
    case 'day':
      return day;
    case 'week':
      return weekKey(day);
    case 'month':
      return day.slice(0, 7);
    case 'session':
      return entry.session;
    case 'agent':
      return entry.agent;
    case 'model':
      return entry.model;
  }
}

interface Group {
  acc: Accumulator;
  agents: Set<string>;
  models: Map<string, Accumulator>;
  firstSeen: string;
  lastSeen: string;
}

/** Groups ledger entries for `headroom stats`; rows sorted by key (sessions by last activity). */
export function buildReport(entries: readonly LedgerEntry[], options: ReportOptions): Report {
  const groups = new Map<string, Group>();
  const all = emptyAccumulator();
  for (const entry of entries) {
    if (options.agent !== undefined && entry.agent !== options.agent) continue;
    const day = dayKey(entry.ts, options.timeZone);
    if (options.since !== undefined && day < options.since) continue;
    if (options.until !== undefined && day > options.until) continue;
    const key = groupKey(entry, day, options.groupBy);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        acc: emptyAccumulator(),
        agents: new Set(),
        models: new Map(),
        firstSeen: entry.ts,
        lastSeen: entry.ts,
      };
      groups.set(key, group);
    }
    add(group.acc, entry);
    add(all, entry);
    group.agents.add(entry.agent);
    let model = group.models.get(entry.model);
    if (model === undefined) {
      model = emptyAccumulator();
      group.models.set(entry.model, model);
    }
    add(model, entry);
    if (entry.ts < group.firstSeen) group.firstSeen = entry.ts;
    if (entry.ts > group.lastSeen) group.lastSeen = entry.ts;
  }

  const rows: ReportRow[] = [...groups].map(([key, group]) => ({
    key,
    ...finish(group.acc),
    agents: [...group.agents].sort(),
    models: [...group.models.keys()].sort(),
    firstSeen: group.firstSeen,
    lastSeen: group.lastSeen,
    ...(options.breakdown === true
      ? {
          breakdown: [...group.models]
            .map(([model, acc]) => ({ model, ...finish(acc) }))
            .sort((a, b) => b.tokensBefore - a.tokensBefore || a.model.localeCompare(b.model)),
        }
      : {}),
  }));
  const sortKey = (row: ReportRow): string => (options.groupBy === 'session' ? row.lastSeen : row.key);
  rows.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  if (options.order === 'desc') rows.reverse();
  return { groupBy: options.groupBy, rows, totals: finish(all) };
}

export interface ReasonCount {
  readonly reason: string;
  readonly count: number;
}

/** Why requests went through uncompressed, most frequent first. */
export function passthroughReasons(entries: Iterable<LedgerEntry>): ReasonCount[] {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    if (entry.passthroughReason === undefined) continue;
    counts.set(entry.passthroughReason, (counts.get(entry.passthroughReason) ?? 0) + 1);
  }
  return [...counts]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}
