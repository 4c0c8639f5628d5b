import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/compress/resolve-options.js';
import { HeadroomError } from '../../src/errors.js';

describe('resolveOptions', () => {
  it('fills in the default profile', () => {
    const o = resolveOptions({ model: 'gpt-4o' });
    expect(o.minTokensToCompress).toBe(250);
    expect(o.protectRecent).toBe(0);
    expect(o.compressUserMessages).toBe(false);
  });

  it('makes agent-90 keep fewer items and start at 120 tokens', () => {
    const o = resolveOptions({ model: 'gpt-4o', savingsProfile: 'agent-90' });
    expect(o.minTokensToCompress).toBe(120);
    expect(o.budgets.maxItems).toBeLessThan(resolveOptions({ model: 'gpt-4o' }).budgets.maxItems);
  });

  it('names the option in errors for wrong types and unknown keys', () => {
    expect(() => resolveOptions({ model: 'x', protectRecent: -1 })).toThrow(
      'Expected the `protectRecent` option to be a non-negative integer, got `-1` (number).',
    );
    expect(() => resolveOptions({ model: 'x', protectRecnt: 2 })).toThrow(/Unknown option `protectRecnt`/);
    expect(() => resolveOptions({ model: 'x', targetRatio: 2 })).toThrow(HeadroomError);
    expect(() => resolveOptions({})).toThrow(/`model`/);
    // `model` has no default to fall back to, so its fix must not suggest leaving it out.
    expect(() => resolveOptions({ model: 4 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        fix: "Pass the model the messages are for, e.g. { model: 'gpt-4o' }.",
      }),
    );
    expect(() => resolveOptions({ model: 'x', kompressModel: 'kompress-base' })).toThrow(/kompressModel/);
    expect(() =>
      resolveOptions({
        model: 'x',
        claudeBudget: { readTokens: 25_000, bashChar: 30_000, bashChars: 30_000 },
      }),
    ).toThrow('Unknown option `claudeBudget.bashChar`.');
  });
});
