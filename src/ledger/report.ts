import type { LedgerEntry } from './entry.js';
import { PRICING_SNAPSHOT_DATE } from './pricing.js';
import { Savings, type Totals } from './savings.js';

export type { Totals } from './savings.js';

export type GroupBy = 'day' | 'week' | 'month' | 'session' | 'agent' | 'model';
export type SortOrder = 'asc' | 'desc';

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
  savings: Savings;
  agents: Set<string>;
  models: Map<string, Savings>;
  firstSeen: string;
  lastSeen: string;
}

/** Groups ledger entries for `headroom stats`; rows sorted by key (sessions by last activity). */
export function buildReport(entries: readonly LedgerEntry[], options: ReportOptions): Report {
  const groups = new Map<string, Group>();
  const all = new Savings();
  for (const entry of entries) {
    if (options.agent !== undefined && entry.agent !== options.agent) continue;
    const day = dayKey(entry.ts, options.timeZone);
    if (options.since !== undefined && day < options.since) continue;
    if (options.until !== undefined && day > options.until) continue;
    const key = groupKey(entry, day, options.groupBy);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        savings: new Savings(),
        agents: new Set(),
        models: new Map(),
        firstSeen: entry.ts,
        lastSeen: entry.ts,
      };
      groups.set(key, group);
    }
    group.savings.add(entry);
    all.add(entry);
    group.agents.add(entry.agent);
    let model = group.models.get(entry.model);
    if (model === undefined) {
      model = new Savings();
      group.models.set(entry.model, model);
    }
    model.add(entry);
    if (entry.ts < group.firstSeen) group.firstSeen = entry.ts;
    if (entry.ts > group.lastSeen) group.lastSeen = entry.ts;
  }

  const rows: ReportRow[] = [...groups].map(([key, group]) => ({
    key,
    ...group.savings.totals(),
    agents: [...group.agents].sort(),
    models: [...group.models.keys()].sort(),
    firstSeen: group.firstSeen,
    lastSeen: group.lastSeen,
    ...(options.breakdown === true
      ? {
          breakdown: [...group.models]
            .map(([model, savings]) => ({ model, ...savings.totals() }))
            .sort((a, b) => b.tokensBefore - a.tokensBefore || a.model.localeCompare(b.model)),
        }
      : {}),
  }));
  const sortKey = (row: ReportRow): string => (options.groupBy === 'session' ? row.lastSeen : row.key);
  rows.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  if (options.order === 'desc') rows.reverse();
  return { groupBy: options.groupBy, rows, totals: all.totals() };
}

/** The JSON that `headroom stats --json` prints and the MCP `headroom_stats` tool returns: one shape for both. */
export function reportJson(
  report: Report,
  options: ReportOptions,
  source: { readonly ledger: string; readonly skippedLines: number },
) {
  return {
    groupBy: report.groupBy,
    since: options.since ?? null,
    until: options.until ?? null,
    timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    agent: options.agent ?? null,
    pricingDate: PRICING_SNAPSHOT_DATE,
    ledger: source.ledger,
    skippedLines: source.skippedLines,
    rows: report.rows,
    totals: report.totals,
  };
}
