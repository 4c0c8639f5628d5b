import { describe, expect, it } from 'vitest';
import { effectiveInputPrice, moneySaved, normalizeModel, priceFor } from '../../src/ledger/pricing.js';

describe('pricing', () => {
  it('finds a model whatever date, provider prefix or context tag the agent adds', () => {
    expect(normalizeModel('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(normalizeModel('anthropic/claude-opus-4-6')).toBe('claude-opus-4-6');
    expect(normalizeModel('claude-opus-4-6[1m]')).toBe('claude-opus-4-6');
    expect(normalizeModel('gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(priceFor('claude-haiku-4-5-20251001')?.input).toBe(1);
  });

  it('has no price for a model it does not know, rather than guessing from a similar name', () => {
    expect(priceFor('gpt-6-sol')).toBeUndefined();
    expect(priceFor('claude-mythos-5')).toBeUndefined();
    expect(moneySaved({ model: 'gpt-6-sol', tokensSaved: 1_000_000 })).toBeUndefined();
  });

  it('prices saved tokens at the input price when the provider reported no usage', () => {
    expect(moneySaved({ model: 'claude-sonnet-4-6', tokensSaved: 1_000_000 })).toBeCloseTo(3);
  });

  it('prices saved tokens by the request’s mix of uncached, cache-write and cache-read input', () => {
    const price = priceFor('claude-sonnet-4-6')!;
    // 90% cache reads at $0.30, 10% uncached at $3 → $0.57 per million.
    const usage = { inputTokens: 10_000, outputTokens: 500, cacheReadTokens: 90_000, cacheWriteTokens: 0 };
    expect(effectiveInputPrice(price, usage)).toBeCloseTo(0.57);
    expect(moneySaved({ model: 'claude-sonnet-4-6', tokensSaved: 1_000_000, usage })).toBeCloseTo(0.57);
  });

  it('counts negative savings as money lost, so net figures stay honest', () => {
    expect(moneySaved({ model: 'gpt-5', tokensSaved: -1_000_000 })).toBeCloseTo(-1.25);
  });

  it('charges OpenAI cache writes at the plain input price', () => {
    const price = priceFor('gpt-5')!;
    expect(price.cacheWrite).toBe(price.input);
    expect(price.cacheRead).toBeLessThan(price.input);
  });
});
