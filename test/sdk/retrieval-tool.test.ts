import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ANTHROPIC_RETRIEVE_TOOL,
  answerRetrieval,
  OPENAI_CHAT_RETRIEVE_TOOL,
  RESPONSES_RETRIEVE_TOOL,
} from '../../src/sdk/retrieval-tool.js';

const original = Array.from({ length: 10 }, (_, i) => `line ${i + 1}\n`).join('');
const sources = [{ retrieve: (hash: string) => (hash === 'abcdef123456' ? original : undefined) }];

describe('answerRetrieval', () => {
  it('returns the original byte for byte', () => {
    expect(answerRetrieval({ hash: 'abcdef123456' }, sources, 100_000)).toBe(original);
  });

  it('accepts the hash as OpenAI sends it, and as models copy it from the marker', () => {
    expect(answerRetrieval('{"hash":"abcdef123456"}', sources, 100_000)).toBe(original);
    expect(answerRetrieval({ hash: ' hash=ABCDEF123456 ' }, sources, 100_000)).toBe(original);
  });

  it('tells the model to go on without it when the hash is unknown', () => {
    expect(answerRetrieval({ hash: '000000000000' }, sources, 100_000)).toBe(
      '[headroom: nothing is held for hash=000000000000 (never compressed here, or expired); continue without it]',
    );
    expect(answerRetrieval({ nothing: true }, sources, 100_000)).toContain('needs {"hash"');
  });

  it('returns the requested lines with a note on how to get the rest', () => {
    expect(answerRetrieval({ hash: 'abcdef123456', offset: 3, limit: 2 }, sources, 100_000)).toBe(
      'line 3\nline 4\n[headroom: lines 3–4 of 10 · for more call headroom_retrieve with hash=abcdef123456 and offset=5]',
    );
    expect(answerRetrieval({ hash: 'abcdef123456', offset: 9 }, sources, 100_000)).toBe(
      'line 9\nline 10\n[headroom: lines 9–10 of 10]',
    );
  });

  it('splits an original longer than maxChars into parts', () => {
    const part = answerRetrieval({ hash: 'abcdef123456' }, sources, 30);
    expect(part).toBe(
      'line 1\nline 2\nline 3\nline 4\n[headroom: lines 1–4 of 10 · for more call headroom_retrieve with hash=abcdef123456 and offset=5]',
    );
  });
});

/**
 * Asks for `original` the way a model follows the notes, part after part, and returns the parts' text
 * (the note and the newline put before it taken off) with every note.
 */
function pageThrough(original: string, maxChars: number): { parts: string[]; notes: string[] } {
  const one = [{ retrieve: (hash: string) => (hash === 'abcdef123456' ? original : undefined) }];
  const parts: string[] = [];
  const notes: string[] = [];
  let input: Record<string, unknown> | undefined = { hash: 'abcdef123456' };
  while (input !== undefined) {
    const answer = answerRetrieval(input, one, maxChars);
    const note = /\[headroom: [^\]]*\]$/.exec(answer);
    if (note === null) {
      parts.push(answer);
      break;
    }
    notes.push(note[0]);
    const body = answer.slice(0, note.index);
    const cutLine = /with hash=(abcdef123456@\d+:\d+)\]$/.exec(note[0]);
    const offset = /and offset=(\d+)\]$/.exec(note[0]);
    // The note goes on a line of its own: after a cut inside a line, or after a last line with no newline.
    const ownLine = cutLine !== null || (offset === null && !original.endsWith('\n'));
    parts.push(ownLine ? body.slice(0, -1) : body);
    expect(parts.at(-1)!.length).toBeLessThanOrEqual(maxChars);
    input = cutLine
      ? { hash: cutLine[1] }
      : offset
        ? { hash: 'abcdef123456', offset: Number(offset[1]) }
        : undefined;
  }
  return { parts, notes };
}

describe('answerRetrieval of a line longer than a part', () => {
  it('cuts a one-line minified JSON into parts that add up to it byte for byte', () => {
    const chalk = readFileSync(
      path.resolve(import.meta.dirname, '../fixtures/corpus/minified-json-chalk.txt'),
      'utf8',
    );
    expect(chalk.includes('\n')).toBe(false);
    const { parts, notes } = pageThrough(chalk, 25_000);
    expect(parts.map((p) => p.length)).toEqual([25_000, 25_000, 13_663]);
    expect(parts.join('')).toBe(chalk);
    expect(notes).toEqual([
      '[headroom: line 1 of 1, characters 1–25,000 of 63,663 · for more call headroom_retrieve with hash=abcdef123456@1:25001]',
      '[headroom: line 1 of 1, characters 25,001–50,000 of 63,663 · for more call headroom_retrieve with hash=abcdef123456@1:50001]',
      '[headroom: line 1 of 1, characters 50,001–63,663 (its end)]',
    ]);
  });

  it('goes back to whole lines after a cut line, never splits a surrogate pair, and keeps CRLF', () => {
    const long = `${'ab'.repeat(20)}😀${'c'.repeat(50)}\r\n`;
    const original = `first\r\n${long}${'short line\r\n'.repeat(3)}${long}last`;
    const { parts, notes } = pageThrough(original, 41);
    expect(parts.join('')).toBe(original);
    // 41 would end between the halves of 😀, so that part stops one before it.
    expect(parts[1]).toBe('ab'.repeat(20));
    expect(notes[1]).toBe(
      '[headroom: line 2 of 7, characters 1–40 of 94 · for more call headroom_retrieve with hash=abcdef123456@2:41]',
    );
    expect(notes[2]).toBe(
      '[headroom: line 2 of 7, characters 41–81 of 94 · for more call headroom_retrieve with hash=abcdef123456@2:82]',
    );
    expect(notes[3]).toBe(
      '[headroom: line 2 of 7, characters 82–94 (its end), then lines 3–4 · for more call headroom_retrieve with hash=abcdef123456 and offset=5]',
    );
  });

  it('says when a position in the hash points past the original', () => {
    expect(answerRetrieval({ hash: 'abcdef123456@11:1' }, sources, 100)).toBe(
      '[headroom: line 11 is past the end: the original has 10 lines; nothing was retrieved]',
    );
    expect(answerRetrieval({ hash: 'abcdef123456@2:9' }, sources, 100)).toBe(
      '[headroom: character 9 is past the end of line 2 (7 characters); nothing was retrieved]',
    );
  });
});

describe('retrieval tool definitions', () => {
  it('describe the same tool in each API’s format', () => {
    expect(ANTHROPIC_RETRIEVE_TOOL.input_schema).toBe(OPENAI_CHAT_RETRIEVE_TOOL.function.parameters);
    expect(RESPONSES_RETRIEVE_TOOL.parameters).toBe(ANTHROPIC_RETRIEVE_TOOL.input_schema);
    expect(ANTHROPIC_RETRIEVE_TOOL.input_schema.required).toEqual(['hash']);
  });
});
