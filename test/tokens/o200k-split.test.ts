/**
 * The hand-written o200k splitter must cut text into exactly the pieces the pattern's regex does: on
 * every fixture file, and on random strings built from the characters each branch of the pattern turns
 * on (letters of each case, digits, spaces and line breaks, symbols, contractions) mixed with letters,
 * digits and spaces of other scripts, marks, emoji and lone surrogates, where it hands over to the regex.
 */
import { describe, expect, it } from 'vitest';
import { loadBpeTable } from '../../src/tokens/bpe-load.js';
import { NOT_ASCII, O200K_PATTERN, o200kPieceEnd } from '../../src/tokens/o200k-split.js';
import { seeded } from '../compress/compressors/line-fixtures.js';
import { fixtureTexts } from '../helpers/token-texts.js';

function regexPieces(text: string): string[] {
  return [...text.matchAll(new RegExp(O200K_PATTERN, 'gu'))].map((m) => m[0]);
}

function splitPieces(text: string): string[] {
  const sticky = new RegExp(O200K_PATTERN, 'guy');
  const pieces: string[] = [];
  for (let p = 0; p < text.length; ) {
    let end = o200kPieceEnd(text, p);
    if (end === NOT_ASCII) {
      sticky.lastIndex = p;
      end = p + (sticky.exec(text) as RegExpExecArray)[0].length;
    }
    pieces.push(text.slice(p, end));
    p = end;
  }
  return pieces;
}

const PARTS = [
  ...'abZQstlevrdm',
  "'",
  ' ',
  '  ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\v',
  '\f',
  ...'019/.("{-_',
  '\u0000',
  '\u001f',
  '\u007f',
  ...'éÉß²٣',
  '\u00a0',
  '\u2028',
  '\u3000',
  '中',
  '😀',
  '\ud800',
  '\udc00',
  '\u0301',
  'ǅ',
  'ʰ',
  '、',
  'ⅷ',
  "'S",
  "'ll",
  "'Ve",
  "'rE",
];

describe('o200kPieceEnd', () => {
  it("is the o200k table's own pattern, so the counter takes this path", async () => {
    const { header } = (await loadBpeTable('o200k_base')).table;
    expect([header.pattern, header.flags]).toEqual([O200K_PATTERN, 'gu']);
  }, 60_000);

  it('splits every fixture file as the regex does', () => {
    for (const [name, text] of fixtureTexts()) expect(splitPieces(text), name).toEqual(regexPieces(text));
  });

  it('splits random strings of the characters each branch turns on as the regex does', () => {
    const random = seeded(41);
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const parts = 1 + Math.floor(random() * 30);
      for (let j = 0; j < parts; j++) text += PARTS[Math.floor(random() * PARTS.length)];
      expect(splitPieces(text), JSON.stringify(text)).toEqual(regexPieces(text));
    }
  });

  it('hands a piece over only where a character past ASCII decides it', () => {
    expect(o200kPieceEnd("  Hello's world", 1)).toBe(9);
    expect(o200kPieceEnd('12345', 0)).toBe(3);
    expect(o200kPieceEnd('a\n\n  b', 1)).toBe(3);
    expect(o200kPieceEnd('caf\u00e9', 0)).toBe(NOT_ASCII);
    expect(o200kPieceEnd('123\u00b2', 0)).toBe(3);
  });
});
