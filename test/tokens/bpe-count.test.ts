/**
 * The table counter must give exactly gpt-tokenizer's counts (`countTokens(text, { disallowedSpecial:
 * new Set() })`, special-token text counted as text) for o200k and cl100k: on every corpus and held-out
 * file, on many random slices of them (some cutting a surrogate pair in two), on random multi-script
 * text and on crafted edge cases. Timings are in `npm run bench:tokenizer`, not here.
 */
import { countTokens as cl100kCount } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200kCount } from 'gpt-tokenizer/encoding/o200k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { bpeCounter } from '../../src/tokens/bpe-count.js';
import { loadBpeTable } from '../../src/tokens/bpe-load.js';
import type { EncodingName } from '../../src/tokens/bpe-table.js';
import { splitter } from '../../src/tokens/split-pattern.js';
import { seeded } from '../compress/compressors/line-fixtures.js';
import { craftedTexts, fixtureTexts, randomScriptText, randomSlices } from '../helpers/token-texts.js';

const asText = { disallowedSpecial: new Set<string>() };
const REFERENCES: Record<EncodingName, (text: string) => number> = {
  o200k_base: (text) => o200kCount(text, asText),
  cl100k_base: (text) => cl100kCount(text, asText),
};

/** Every text whose count differs, with both counts: `[]` when the counter is exact. */
function mismatches(
  texts: Iterable<[string, string]>,
  count: (text: string) => number,
  reference: (text: string) => number,
) {
  const wrong: { name: string; ours: number; theirs: number }[] = [];
  for (const [name, text] of texts) {
    const ours = count(text);
    const theirs = reference(text);
    if (ours !== theirs) wrong.push({ name, ours, theirs });
  }
  return wrong;
}

describe.each(['o200k_base', 'cl100k_base'] as const)(
  '%s: table counts equal gpt-tokenizer counts',
  (encoding) => {
    const reference = REFERENCES[encoding];
    let count: (text: string) => number;
    beforeAll(async () => {
      count = bpeCounter((await loadBpeTable(encoding)).table);
    }, 60_000);

    it('on every corpus and held-out file, whole', () => {
      const texts = fixtureTexts();
      expect(texts.size).toBeGreaterThan(40);
      expect(mismatches(texts, count, reference)).toEqual([]);
    });

    it('on 40 random slices of every file', () => {
      const random = seeded(13);
      const slices: [string, string][] = [];
      for (const [name, text] of fixtureTexts())
        for (const [i, slice] of randomSlices(text, 40, 3000, random).entries())
          slices.push([`${name}#${i}`, slice]);
      expect(mismatches(slices, count, reference)).toEqual([]);
    });

    it('on random text mixing scripts, emoji, combining marks and lone surrogates', () => {
      const random = seeded(29);
      const texts: [string, string][] = [];
      for (let i = 0; i < 300; i++)
        texts.push([`mixed#${i}`, randomScriptText(1 + Math.floor(random() * 400), random)]);
      expect(mismatches(texts, count, reference)).toEqual([]);
    });

    it('on text of ASCII and a few other characters, which it splits with a restricted regex', async () => {
      const { header } = (await loadBpeTable(encoding)).table;
      expect(header.propertyRanges).not.toBeNull();
      const full = new RegExp(header.pattern, header.flags);
      // A fresh splitter per text: each compiles only so many restricted regexes.
      const split = (text: string) => splitter(header.pattern, header.flags, header.propertyRanges)(text);
      const random = seeded(31);
      // Every ASCII code point, weighted towards what the pattern's alternatives turn on, and
      // characters of every class it names: letters of each case and kind, marks, digits and
      // numbers of other scripts, symbols, punctuation, spaces and line breaks beyond ASCII.
      const common = "aAzZ09 '\n\r\t sSdDtT";
      const others = 'éÉǅʰ中ـ\u0301\u0903٣Ⅻ½✓→’—\u00a0\u2028\u3000ßİıﬁ';
      const char = () => {
        const r = random();
        if (r < 0.4) return common[Math.floor(random() * common.length)];
        if (r < 0.7) return others[Math.floor(random() * others.length)];
        return String.fromCharCode(Math.floor(random() * 128));
      };
      const texts: [string, string][] = [];
      for (let i = 0; i < 2000; i++)
        texts.push([`mixed#${i}`, Array.from({ length: 1 + Math.floor(random() * 200) }, char).join('')]);
      const pieces = (text: string, regex: RegExp) =>
        [...text.matchAll(regex)].map((m) => `${m.index}:${m[0]}`);
      const differ = texts.filter(
        ([, text]) => pieces(text, split(text)).join('\0') !== pieces(text, full).join('\0'),
      );
      expect(differ).toEqual([]);
      // Those texts were split by restricted regexes; prose of another script is split by the full one.
      expect(split('a ✓ b').source).not.toContain('\\p{');
      const cjk = String.fromCharCode(...Array.from({ length: 40 }, (_, i) => 0x4e00 + i));
      expect(split(cjk).source).toBe(header.pattern);
      // One splitter compiles at most 16 restricted regexes, then splits other texts with the full one.
      const shared = splitter(header.pattern, header.flags, header.propertyRanges);
      const sources = Array.from(
        { length: 20 },
        (_, i) => shared(`a ${String.fromCharCode(0x4e00 + i)}`).source,
      );
      expect(sources.slice(0, 16).every((source) => !source.includes('\\p{'))).toBe(true);
      expect(sources.slice(16)).toEqual(Array(4).fill(header.pattern));
      expect(mismatches(texts, count, reference)).toEqual([]);
    });

    it('on crafted edge cases: empty, emoji, CJK, special tokens, lone surrogates, long runs', () => {
      const texts = Object.entries(craftedTexts());
      expect(mismatches(texts, count, reference)).toEqual([]);
      expect(count('')).toBe(0);
      // Special-token text is several ordinary tokens, not the one special token.
      expect(count('<|endoftext|>')).toBeGreaterThan(1);
    });
  },
);
