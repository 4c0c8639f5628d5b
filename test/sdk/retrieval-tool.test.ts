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

describe('retrieval tool definitions', () => {
  it('describe the same tool in each API’s format', () => {
    expect(ANTHROPIC_RETRIEVE_TOOL.input_schema).toBe(OPENAI_CHAT_RETRIEVE_TOOL.function.parameters);
    expect(RESPONSES_RETRIEVE_TOOL.parameters).toBe(ANTHROPIC_RETRIEVE_TOOL.input_schema);
    expect(ANTHROPIC_RETRIEVE_TOOL.input_schema.required).toEqual(['hash']);
  });
});
