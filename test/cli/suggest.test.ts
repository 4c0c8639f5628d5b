import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../src/cli/suggest.js';

describe('didYouMean', () => {
  const agents = ['claude', 'codex', 'aider'];
  it("gives commander's suggestion for a near miss, and nothing for a word near no candidate", () => {
    expect(didYouMean('claud', agents)).toBe('\n(Did you mean claude?)');
    expect(didYouMean('cluade', agents)).toBe('\n(Did you mean claude?)');
    expect(didYouMean('codx', agents)).toBe('\n(Did you mean codex?)');
    expect(didYouMean('cursor', agents)).toBe('');
    expect(didYouMean('x', agents)).toBe('');
    // A candidate the word matches exactly is no miss: nothing to suggest.
    expect(didYouMean('claude', agents)).toBe('');
  });
});
