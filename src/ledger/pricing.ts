import type { LedgerEntry, Usage } from './entry.js';
import { type ModelPrice, PRICES, PRICING_SNAPSHOT_DATE } from './pricing-snapshot.js';

export type { ModelPrice } from './pricing-snapshot.js';
export { PRICING_SNAPSHOT_DATE };

/**
 * Reduces a model id as agents and providers spell it to the snapshot's key: lower case, no provider
 * prefix, no context-window tag (`[1m]`), no `-latest`, no date or version suffix.
 */
export function normalizeModel(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/^(?:anthropic|openai)\//, '')
    .replace(/\[[^\]]*\]$/, '')
    .replace(/-latest$/, '')
    .replace(/-v\d+(?::\d+)?$/, '')
    .replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2})$/, '');
}

/** The list price of a model, or undefined when the snapshot does not know it (never a guess). */
export function priceFor(model: string): ModelPrice | undefined {
  return PRICES[normalizeModel(model)];
}

/**
 * Price per input token that a saved token would have cost in this request. Saved tokens sit in the
 * same mix of uncached, cache-written and cache-read input as the rest of the request, so the
 * provider's own usage report weights the three prices; without one, the plain input price applies.
 * `usage.inputTokens` is uncached input only (the ledger's convention for both providers).
 */
export function effectiveInputPrice(price: ModelPrice, usage: Usage | undefined): number {
  if (usage === undefined) return price.input;
  const total = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  if (total <= 0) return price.input;
  return (
    (usage.inputTokens * price.input +
      usage.cacheReadTokens * price.cacheRead +
      usage.cacheWriteTokens * price.cacheWrite) /
    total
  );
}

/** Money the request's net saved tokens would have cost at list price, in USD; undefined when unpriced. */
export function moneySaved(entry: Pick<LedgerEntry, 'model' | 'tokensSaved' | 'usage'>): number | undefined {
  const price = priceFor(entry.model);
  if (price === undefined) return undefined;
  return (entry.tokensSaved * effectiveInputPrice(price, entry.usage)) / 1_000_000;
}
