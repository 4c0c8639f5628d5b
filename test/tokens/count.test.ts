import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { CLAUDE_FACTOR, tokenCounter, tokenizerFamily } from '../../src/tokens/count.js';
import { apiRecords, grepOutput, testLog } from '../helpers/outputs.js';

describe('tokenizerFamily', () => {
  it('maps current OpenAI models to o200k, older ones to cl100k and Claude to its calibrated count', () => {
    expect(tokenizerFamily('gpt-4o-mini')).toBe('o200k');
    expect(tokenizerFamily('gpt-5')).toBe('o200k');
    expect(tokenizerFamily('o3')).toBe('o200k');
    expect(tokenizerFamily('gpt-4')).toBe('cl100k');
    expect(tokenizerFamily('gpt-3.5-turbo')).toBe('cl100k');
    expect(tokenizerFamily('claude-sonnet-4-5')).toBe('claude');
  });
});

describe('tokenCounter', () => {
  it('counts special-token text as plain text instead of throwing', async () => {
    const count = await tokenCounter('gpt-4o');
    expect(count('before <|endoftext|> after')).toBeGreaterThan(3);
  });

  it('estimates large texts within 3% of the exact count', async () => {
    const count = await tokenCounter('gpt-4o');
    for (const text of [testLog(4000), apiRecords(3000), grepOutput(200, 20)]) {
      const exact = countTokens(text, { disallowedSpecial: new Set() });
      expect(Math.abs(count(text) - exact) / exact).toBeLessThan(0.03);
    }
  });

  it('scales Claude counts by the calibration factor', async () => {
    const claude = await tokenCounter('claude-opus-4');
    const openai = await tokenCounter('gpt-4o');
    const text = 'function add(a, b) { return a + b; }\n'.repeat(20);
    expect(claude(text)).toBe(Math.ceil(openai(text) * CLAUDE_FACTOR));
  });
});

describe('tokenCounter on runs without spaces', () => {
  it('counts a long run of one character close to the exact count (sliced, never one quadratic pass)', async () => {
    const count = await tokenCounter('gpt-4o');
    const run = `start ${'a'.repeat(6000)} end`;
    const exact = countTokens(run, { disallowedSpecial: new Set() });
    expect(Math.abs(count(run) - exact)).toBeLessThanOrEqual(8);
  });
});
