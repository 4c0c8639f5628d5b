import type { LedgerEntry } from '../ledger/entry.js';
import { moneySaved, PRICING_SNAPSHOT_DATE } from '../ledger/pricing.js';
import { REASON_HELP } from '../ledger/reasons.js';
import { dayKey } from '../ledger/report.js';
import { Savings, type Totals } from '../ledger/savings.js';

/**
 * The dashboard's numbers, kept as running sums per local day (and per hour, agent, model and session
 * within a day) rather than as entries: a ledger of months answers a range from a few hundred sums, and
 * the proxy's memory does not grow with its history. Every sum is a `Savings`, the one place savings are
 * counted; a range merges its days' sums.
 */

export const RANGES = ['today', '7d', '30d', '90d', 'all'] as const;
export type DashboardRange = (typeof RANGES)[number];
const RANGE_DAYS: Record<Exclude<DashboardRange, 'all'>, number> = {
  today: 1,
  '7d': 7,
  '30d': 30,
  '90d': 90,
};

/** How many of the latest requests the page lists. */
export const RECENT_REQUESTS = 50;

/** One point of a chart: an hour of today or a day of the range. */
export interface SeriesPoint {
  /** `2026-12-06` for a day, `2026-12-06T14` for an hour (local time in the dashboard's zone). */
  readonly key: string;
  readonly requests: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
  readonly moneySaved: number;
}

export interface GroupRow extends Totals {
  readonly key: string;
}

export interface SessionRow extends GroupRow {
  readonly agents: readonly string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/**
 * A ledger entry as the page lists it (what it is, what it saved and how it ended; never content), with
 * absent fields as null and the money its saved tokens were worth (null when the model has no price).
 */
export type RecentRequest = Omit<LedgerEntry, 'passthroughReason' | 'blocksKeptRaw' | 'stream' | 'usage'> & {
  readonly passthroughReason: string | null;
  readonly blocksKeptRaw: LedgerEntry['blocksKeptRaw'] | null;
  readonly stream: LedgerEntry['stream'] | null;
  readonly moneySaved: number | null;
};

export interface ReasonRow {
  readonly reason: string;
  readonly count: number;
  /** What the reason means and what to do, when headroom knows. */
  readonly help: string | null;
}

/** What the aggregation answers for one range; the route adds the ledger, store and live counters. */
export interface DashboardView {
  readonly timeZone: string;
  readonly today: string;
  readonly range: DashboardRange;
  /** First day of the range (null for `all` on an empty ledger), and its last day (today). */
  readonly since: string | null;
  readonly until: string;
  readonly pricingDate: string;
  readonly totals: Totals;
  /** Today's 24 hours. */
  readonly hourly: readonly SeriesPoint[];
  /** Every day of the range, days without requests included. */
  readonly daily: readonly SeriesPoint[];
  readonly byAgent: readonly GroupRow[];
  readonly byModel: readonly GroupRow[];
  /** The range's sessions, latest activity first (at most `SESSION_ROWS`). */
  readonly bySession: readonly SessionRow[];
  readonly sessionCount: number;
  readonly reasons: readonly ReasonRow[];
  /** The latest requests of the whole ledger, newest first. */
  readonly recent: readonly RecentRequest[];
}

const SESSION_ROWS = 25;
const QUARTER_HOUR_MS = 15 * 60 * 1000;
/** Entries kept for the recent list: more than it shows, so entries a little out of order still sort in. */
const RECENT_KEEP = RECENT_REQUESTS * 2;

interface SessionSums {
  readonly savings: Savings;
  readonly agents: Set<string>;
  firstSeen: string;
  lastSeen: string;
}

interface DaySums {
  readonly savings: Savings;
  readonly hours: Map<number, Savings>;
  readonly agents: Map<string, Savings>;
  readonly models: Map<string, Savings>;
  readonly sessions: Map<string, SessionSums>;
}

function sumsFor<K>(groups: Map<K, Savings>, key: K): Savings {
  let savings = groups.get(key);
  if (savings === undefined) {
    savings = new Savings();
    groups.set(key, savings);
  }
  return savings;
}

/** `YYYY-MM-DD` moved by whole days (calendar arithmetic, no zone involved). */
export function shiftDay(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function pointOf(key: string, savings: Savings | undefined): SeriesPoint {
  const t = savings?.totals();
  return {
    key,
    requests: t?.requests ?? 0,
    tokensBefore: t?.tokensBefore ?? 0,
    tokensAfter: t?.tokensAfter ?? 0,
    tokensSaved: t?.tokensSaved ?? 0,
    moneySaved: t?.moneySaved ?? 0,
  };
}

function rowsOf(groups: Map<string, Savings>): GroupRow[] {
  return [...groups]
    .map(([key, savings]) => ({ key, ...savings.totals() }))
    .sort((a, b) => b.tokensBefore - a.tokensBefore || a.key.localeCompare(b.key));
}

function recentOf(entry: LedgerEntry): RecentRequest {
  const { usage: _usage, passthroughReason, blocksKeptRaw, stream, ...rest } = entry;
  return {
    ...rest,
    passthroughReason: passthroughReason ?? null,
    blocksKeptRaw: blocksKeptRaw ?? null,
    stream: stream ?? null,
    moneySaved: moneySaved(entry) ?? null,
  };
}

const byTs = (a: LedgerEntry, b: LedgerEntry): number => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0);

/** Running sums of a ledger for the dashboard, in one time zone (the local one when undefined). */
export class DashboardSums {
  readonly timeZone: string;
  readonly #zone: string | undefined;
  readonly #days = new Map<string, DaySums>();
  #recent: LedgerEntry[] = [];
  #entries = 0;
  readonly #hourFormat: Intl.DateTimeFormat;
  readonly #quarters = new Map<number, { readonly day: string; readonly hour: number }>();

  constructor(timeZone?: string) {
    this.#zone = timeZone;
    this.timeZone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    this.#hourFormat = new Intl.DateTimeFormat('en-US', {
      hour: 'numeric',
      hourCycle: 'h23',
      ...(timeZone === undefined ? {} : { timeZone }),
    });
  }

  /** Entries added so far. */
  get entries(): number {
    return this.#entries;
  }

  /**
   * The local day and hour of a time. Every zone's offset is a multiple of 15 minutes, so all times in
   * one quarter-hour share them: formatting once per quarter-hour instead of per entry halves the cost
   * of reading a long ledger.
   */
  #when(ts: string): { readonly day: string; readonly hour: number } {
    const quarter = Math.floor(Date.parse(ts) / QUARTER_HOUR_MS);
    let when = this.#quarters.get(quarter);
    if (when === undefined) {
      if (this.#quarters.size >= 10_000) this.#quarters.clear();
      when = { day: dayKey(ts, this.#zone), hour: Number(this.#hourFormat.format(new Date(ts))) };
      this.#quarters.set(quarter, when);
    }
    return when;
  }

  add(entry: LedgerEntry): void {
    this.#entries += 1;
    const { day, hour } = this.#when(entry.ts);
    let sums = this.#days.get(day);
    if (sums === undefined) {
      sums = {
        savings: new Savings(),
        hours: new Map(),
        agents: new Map(),
        models: new Map(),
        sessions: new Map(),
      };
      this.#days.set(day, sums);
    }
    sums.savings.add(entry);
    sumsFor(sums.hours, hour).add(entry);
    sumsFor(sums.agents, entry.agent).add(entry);
    sumsFor(sums.models, entry.model).add(entry);
    let session = sums.sessions.get(entry.session);
    if (session === undefined) {
      session = { savings: new Savings(), agents: new Set(), firstSeen: entry.ts, lastSeen: entry.ts };
      sums.sessions.set(entry.session, session);
    }
    session.savings.add(entry);
    session.agents.add(entry.agent);
    if (entry.ts < session.firstSeen) session.firstSeen = entry.ts;
    if (entry.ts > session.lastSeen) session.lastSeen = entry.ts;
    this.#recent.push(entry);
    if (this.#recent.length >= RECENT_KEEP * 2) this.#recent = this.#recent.sort(byTs).slice(-RECENT_KEEP);
  }

  /** The numbers for one range ending today (`now` in the dashboard's zone). */
  view(range: DashboardRange, now: Date = new Date()): DashboardView {
    const today = dayKey(now.toISOString(), this.#zone);
    // The whole ledger starts on its first day; a clock set back leaves only today.
    const days = [...this.#days.keys()].filter((day) => day <= today).sort();
    const since = range === 'all' ? (days[0] ?? null) : shiftDay(today, 1 - RANGE_DAYS[range]);
    const totals = new Savings();
    const agents = new Map<string, Savings>();
    const models = new Map<string, Savings>();
    const sessions = new Map<string, SessionSums>();
    const daily: SeriesPoint[] = [];
    for (let day = since ?? today; day <= today; day = shiftDay(day, 1)) {
      const sums = this.#days.get(day);
      daily.push(pointOf(day, sums?.savings));
      if (sums === undefined) continue;
      totals.merge(sums.savings);
      for (const [agent, s] of sums.agents) sumsFor(agents, agent).merge(s);
      for (const [model, s] of sums.models) sumsFor(models, model).merge(s);
      for (const [id, s] of sums.sessions) {
        let session = sessions.get(id);
        if (session === undefined) {
          session = {
            savings: new Savings(),
            agents: new Set(),
            firstSeen: s.firstSeen,
            lastSeen: s.lastSeen,
          };
          sessions.set(id, session);
        }
        session.savings.merge(s.savings);
        for (const agent of s.agents) session.agents.add(agent);
        if (s.firstSeen < session.firstSeen) session.firstSeen = s.firstSeen;
        if (s.lastSeen > session.lastSeen) session.lastSeen = s.lastSeen;
      }
    }
    const hours = this.#days.get(today)?.hours;
    const hourly = Array.from({ length: 24 }, (_, hour) =>
      pointOf(`${today}T${String(hour).padStart(2, '0')}`, hours?.get(hour)),
    );
    const bySession = [...sessions]
      .map(([key, s]) => ({
        key,
        ...s.savings.totals(),
        agents: [...s.agents].sort(),
        firstSeen: s.firstSeen,
        lastSeen: s.lastSeen,
      }))
      .sort((a, b) =>
        a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : a.key.localeCompare(b.key),
      );
    return {
      timeZone: this.timeZone,
      today,
      range,
      since,
      until: today,
      pricingDate: PRICING_SNAPSHOT_DATE,
      totals: totals.totals(),
      hourly,
      daily,
      byAgent: rowsOf(agents),
      byModel: rowsOf(models),
      bySession: bySession.slice(0, SESSION_ROWS),
      sessionCount: bySession.length,
      reasons: totals
        .reasons()
        .map(({ reason, count }) => ({ reason, count, help: REASON_HELP[reason] ?? null })),
      recent: [...this.#recent].sort(byTs).slice(-RECENT_REQUESTS).reverse().map(recentOf),
    };
  }
}
