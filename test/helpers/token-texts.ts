/**
 * Texts for the token-counting tests: every corpus and held-out file, deterministic random slices of
 * them (`seeded`: the same slices on every run, so a failure reproduces), and crafted texts for the edges BPE counting gets wrong first (multi-byte UTF-8, surrogate
 * pairs and lone surrogates, special-token text, long runs, whitespace).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seeded } from '../compress/compressors/line-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** `corpus/<name>` and `heldout/<name>` → the file's text. */
export function fixtureTexts(): Map<string, string> {
  const texts = new Map<string, string>();
  for (const dir of ['corpus', 'heldout'])
    for (const name of readdirSync(path.join(FIXTURES, dir)).sort())
      texts.set(`${dir}/${name}`, readFileSync(path.join(FIXTURES, dir, name), 'utf8'));
  return texts;
}

/** `count` slices of up to `maxLength` UTF-16 units at random offsets: some cut a surrogate pair. */
export function randomSlices(text: string, count: number, maxLength: number, random: () => number): string[] {
  const slices: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor(random() * text.length);
    slices.push(text.slice(start, start + Math.floor(random() * maxLength)));
  }
  return slices;
}

/** Random text drawn from ASCII, Latin, Cyrillic, CJK, Hangul, emoji, combining marks and lone surrogates. */
export function randomScriptText(length: number, random: () => number): string {
  const ranges: [number, number][] = [
    [0x20, 0x7e],
    [0x20, 0x7e],
    [0x09, 0x0d],
    [0xc0, 0x17f],
    [0x400, 0x4ff],
    [0x300, 0x36f],
    [0x4e00, 0x4fff],
    [0xac00, 0xacff],
    [0x1f600, 0x1f64f],
    [0xd800, 0xdfff],
  ];
  let text = '';
  while (text.length < length) {
    const [low, high] = ranges[Math.floor(random() * ranges.length)] as [number, number];
    text += String.fromCodePoint(low + Math.floor(random() * (high - low + 1)));
  }
  return text;
}

/** Named edge cases. */
export function craftedTexts(): Record<string, string> {
  const random = seeded(7);
  const base64 = Array.from({ length: 6000 }, () =>
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charAt(Math.floor(random() * 64)),
  ).join('');
  return {
    empty: '',
    space: ' ',
    newline: '\n',
    ascii: 'The quick brown fox jumps over the lazy dog.',
    contractions: "I'm sure they'RE here, don't you think? It'll be FINE'S",
    numbers: '1234567890 3.14159 -42 1e10 0x1F 2026-12-06T10:23:20Z',
    latin: 'héllo wörld, ça va? Größe ñandú',
    cjk: '日本語のテキストと中文文本，还有한국어 텍스트。',
    emoji: '😀😃 👨‍👩‍👧‍👦 🇺🇸🇫🇷 👍🏽 ✅❌',
    scripts: 'مرحبا بالعالم नमस्ते दुनिया Привет мир שלום עולם',
    combining: 'e\u0301 a\u0308 n\u0303 Z\u0351\u0352\u0353',
    specialTokens:
      'before <|endoftext|> after <|fim_prefix|><|fim_middle|><|fim_suffix|><|im_start|>user<|im_sep|>hi<|im_end|><|endofprompt|>',
    loneSurrogates: 'x\uD83D y \uDE00z \uD83D\uD83D \uFFFD\uD800 end\uDBFF',
    controls: '\u0000\u0001\u0007\u001b[31mred\u001b[0m\u007f',
    whitespace: '  \t\t  \r\n\r\n   \n\n\n    x   \u00a0\u2003\u3000 y\t',
    runOfA: `start ${'a'.repeat(6000)} end`,
    runOfEquals: '='.repeat(2500),
    runOfSpaces: ' '.repeat(3000),
    runOfNewlines: '\n'.repeat(600),
    base64,
    base64InText: `data: ${base64.slice(0, 3000)}\nnext line ${base64.slice(3000)} tail`,
    bigWithRuns: `${'log line with words 12345\n'.repeat(3000)}${base64}\n${'x'.repeat(9000)}`,
  };
}
