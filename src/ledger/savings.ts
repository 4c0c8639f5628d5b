import type { LedgerEntry } from './entry.js';
import { moneySaved } from './pricing.js';

/**
 * Why a request went out unchanged, when the provider could not be reached at all. It is its own reason
 * everywhere (summary, request lines, `doctor`) so that a dead upstream never reads as "nothing to compress".
 */
export const UPSTREAM_UNREACHABLE = 'upstream-unreachable';

/**
 * Sums over a set of ledger entries. Token figures count whole requests (system prompt, tool definitions
 * and messages) as headroom's tokenizer counts them, and are net: what headroom added is subtracted.
 * The provider's own usage report (input, output, cache read, cache write) sits beside them.
 */
export interface Totals {
  readonly requests: number;
  /** Requests sent compressed. */
  readonly compressedRequests: number;
  /** Requests that went through unchanged (any passthrough reason). */
  readonly passthroughs: number;
  readonly passthroughReasons: Readonly<Record<string, number>>;
  /** Requests answered with a status of 400 or more (502 when the upstream was unreachable). */
  readonly errors: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
  /** tokensSaved / tokensBefore × 100; 0 when nothing was counted. */
  readonly savedPercent: number;
  /** USD at list price, over the priced requests only. */
  readonly moneySaved: number;
  /** Models with no price in the snapshot; their requests are left out of moneySaved. */
  readonly unpricedModels: readonly string[];
  /** Every model seen, sorted. */
  readonly models: readonly string[];
  /** Requests whose response carried the provider's usage report. */
  readonly reportedRequests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly compressionMs: { readonly total: number; readonly max: number };
}

const hundredths = (ms: number): number => Math.round(ms * 100) / 100;

/**
 * The one running sum of savings: `/stats`, `headroom stats` and the wrap summary all add entries to one
 * of these. It holds counters only (plus the set of models and reasons seen), never the entries, so a
 * proxy that runs for weeks uses the same memory as one that has just started.
 */
export class Savings {
  #requests = 0;
  #compressed = 0;
  #passthroughs = 0;
  readonly #reasons = new Map<string, number>();
  #errors = 0;
  #before = 0;
  #after = 0;
  #saved = 0;
  #money = 0;
  readonly #models = new Set<string>();
  readonly #unpriced = new Set<string>();
  #reported = 0;
  #input = 0;
  #output = 0;
  #cacheRead = 0;
  #cacheWrite = 0;
  #msTotal = 0;
  #msMax = 0;

  add(entry: LedgerEntry): void {
    this.#requests += 1;
    const reason = entry.passthroughReason;
    if (reason === undefined) this.#compressed += 1;
    else {
      this.#passthroughs += 1;
      this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + 1);
    }
    if (entry.status >= 400) this.#errors += 1;
    this.#before += entry.tokensBefore;
    this.#after += entry.tokensAfter;
    this.#saved += entry.tokensSaved;
    this.#models.add(entry.model);
    const money = moneySaved(entry);
    if (money === undefined) this.#unpriced.add(entry.model);
    else this.#money += money;
    if (entry.usage !== undefined) {
      this.#reported += 1;
      this.#input += entry.usage.inputTokens;
      this.#output += entry.usage.outputTokens;
      this.#cacheRead += entry.usage.cacheReadTokens;
      this.#cacheWrite += entry.usage.cacheWriteTokens;
    }
    this.#msTotal += entry.compressionMs;
    this.#msMax = Math.max(this.#msMax, entry.compressionMs);
  }

  /** Adds another sum's counts to this one, as if its entries had been added here (per-day sums into a range). */
  merge(other: Savings): void {
    this.#requests += other.#requests;
    this.#compressed += other.#compressed;
    this.#passthroughs += other.#passthroughs;
    for (const [reason, count] of other.#reasons)
      this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + count);
    this.#errors += other.#errors;
    this.#before += other.#before;
    this.#after += other.#after;
    this.#saved += other.#saved;
    this.#money += other.#money;
    for (const model of other.#models) this.#models.add(model);
    for (const model of other.#unpriced) this.#unpriced.add(model);
    this.#reported += other.#reported;
    this.#input += other.#input;
    this.#output += other.#output;
    this.#cacheRead += other.#cacheRead;
    this.#cacheWrite += other.#cacheWrite;
    this.#msTotal += other.#msTotal;
    this.#msMax = Math.max(this.#msMax, other.#msMax);
  }

  /** Passthrough reasons, most frequent first. */
  reasons(): { readonly reason: string; readonly count: number }[] {
    return [...this.#reasons]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  }

  totals(): Totals {
    return {
      requests: this.#requests,
      compressedRequests: this.#compressed,
      passthroughs: this.#passthroughs,
      passthroughReasons: Object.fromEntries(this.reasons().map((r) => [r.reason, r.count])),
      errors: this.#errors,
      tokensBefore: this.#before,
      tokensAfter: this.#after,
      tokensSaved: this.#saved,
      savedPercent: this.#before > 0 ? (this.#saved / this.#before) * 100 : 0,
      moneySaved: this.#money,
      unpricedModels: [...this.#unpriced].sort(),
      models: [...this.#models].sort(),
      reportedRequests: this.#reported,
      inputTokens: this.#input,
      outputTokens: this.#output,
      cacheReadTokens: this.#cacheRead,
      cacheWriteTokens: this.#cacheWrite,
      compressionMs: { total: hundredths(this.#msTotal), max: hundredths(this.#msMax) },
    };
  }
}

/** Totals over entries, in one pass. */
export function summarize(entries: Iterable<LedgerEntry>): Totals {
  const savings = new Savings();
  for (const entry of entries) savings.add(entry);
  return savings.totals();
}
