import { readFileSync } from 'node:fs';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import {
  CLAUDE_FACTOR,
  hasLongRun,
  isRegExpSpace,
  loadedTokenizers,
  tokenCounter,
  tokenizerFamily,
} from '../../src/tokens/count.js';
import { apiRecords, grepOutput, testLog } from '../helpers/outputs.js';
import { craftedTexts, fixtureTexts } from '../helpers/token-texts.js';

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

describe('tokenCounter counts as it did with gpt-tokenizer (test/fixtures/token-counts.json)', () => {
  const golden = (
    JSON.parse(readFileSync(new URL('../fixtures/token-counts.json', import.meta.url), 'utf8')) as {
      counts: Record<string, Record<string, number>>;
    }
  ).counts;
  const texts = new Map(fixtureTexts());
  for (const [name, text] of Object.entries(craftedTexts())) texts.set(`crafted/${name}`, text);

  it('covers every fixture and crafted text', () => {
    expect(Object.keys(golden).sort()).toEqual([...texts.keys()].sort());
  });

  it.each(['claude-sonnet-4-5', 'gpt-4o', 'gpt-4'])(
    '%s: sampled, sliced and scaled counts unchanged',
    async (model) => {
      const count = await tokenCounter(model);
      const changed: string[] = [];
      for (const [name, text] of texts) {
        const before = golden[name]?.[model];
        if (count(text) !== before) changed.push(`${name}: ${before} → ${count(text)}`);
      }
      expect(changed).toEqual([]);
    },
  );

  it('loads each family once, o200k for Claude', () => {
    expect(loadedTokenizers().sort()).toEqual(['cl100k', 'o200k']);
  });
});

describe('isRegExpSpace', () => {
  it('is `\\s` of a regular expression for every UTF-16 code unit', () => {
    const differ: number[] = [];
    for (let c = 0; c <= 0xffff; c++)
      if (isRegExpSpace(c) !== /\s/.test(String.fromCharCode(c))) differ.push(c);
    expect(differ).toEqual([]);
  });
});

describe('hasLongRun', () => {
  it('answers as /\\S{2048}/ does, for runs of every length at every offset', () => {
    const spaces = [' ', '\n', '\t', '\u00a0', '\u2009', '\u3000', '\ufeff'];
    const cases: string[] = ['', 'a'.repeat(2047), 'a'.repeat(2048), 'é'.repeat(5000)];
    // Seeded: runs of 2,040–2,056 characters, anywhere in texts of up to 9 KB, between spaces of every kind.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const space = spaces[next(spaces.length)]!;
      const lead = 'x'.repeat(next(3000));
      const words = Array.from({ length: next(200) }, () => 'w'.repeat(1 + next(12))).join(space);
      cases.push(`${lead}${space}${words}${space}${'r'.repeat(2040 + next(17))}${space}${words}`);
    }
    for (const text of cases) expect(hasLongRun(text)).toBe(/\S{2048}/.test(text));
    expect(cases.filter(hasLongRun).length).toBeGreaterThan(50);
    expect(cases.filter((t) => !hasLongRun(t)).length).toBeGreaterThan(50);
  });
});
