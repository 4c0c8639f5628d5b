import { describe, expect, it } from 'vitest';
import { createBlockMemo, type MemoEntry, stringBytes } from '../../src/compress/memo.js';

const entry = (text: string | undefined): MemoEntry => ({
  text,
  kind: 'log',
  transform: undefined,
  hash: undefined,
  action: text === undefined ? 'below-min-tokens' : 'compressed',
  tokensBefore: 10,
  tokensAfter: 5,
});

describe('block memo bounds', () => {
  it('charges every entry its real overhead, not just its text', () => {
    const memo = createBlockMemo(1024 * 1024);
    for (let i = 0; i < 100_000; i += 1) memo.set(`key-${i}`, entry(undefined));
    let kept = 0;
    for (let i = 0; i < 100_000; i += 1) if (memo.get(`key-${i}`)) kept += 1;
    // ~200 B per entry: about 5,000 of them fit in 1 MB (a 64 B guess would have kept 16,000).
    expect(kept).toBeGreaterThan(4_000);
    expect(kept).toBeLessThan(5_600);
    expect(memo.get('key-99999')).toBeDefined();
    expect(memo.get('key-0')).toBeUndefined();
  });

  it('counts two bytes a character for text beyond Latin-1, and drops an entry bigger than the bound', () => {
    expect(stringBytes('plain ascii é')).toBe(13);
    expect(stringBytes('日本')).toBe(4);
    const memo = createBlockMemo(10_000);
    memo.set('big', entry('x'.repeat(20_000)));
    expect(memo.get('big')).toBeUndefined();
    memo.set('small', entry('x'.repeat(1_000)));
    expect(memo.get('small')?.text).toHaveLength(1_000);
  });
});
