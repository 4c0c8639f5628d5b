import { describe, expect, it } from 'vitest';
import { isAgentPreview, openEnvelope } from '../../src/compress/wrappers/index.js';

const numbered = (lines: string[], start = 1) =>
  lines.map((l, i) => `${String(i + start).padStart(6)}\t${l}`).join('\n');

describe('openEnvelope', () => {
  it('sees through Claude Code Read line numbers and keeps tabs inside lines', () => {
    const env = openEnvelope(numbered(['{', '\t"a": 1,', '\t"b": "x\ty"', '}']));
    expect(env.wrapper).toBe('line-numbered');
    expect(env.lines).toEqual(['{', '\t"a": 1,', '\t"b": "x\ty"', '}']);
    expect(env.numbers).toEqual([1, 2, 3, 4]);
    expect(env.exactLines).toBe(true);
  });

  it('keeps the real line numbers of a read that starts mid-file', () => {
    const env = openEnvelope(numbered(['a', 'b', 'c'], 212));
    expect(env.numbers).toEqual([212, 213, 214]);
  });

  it('accepts the older arrow separator and CRLF line ends', () => {
    const env = openEnvelope('     1→alpha\r\n     2→beta\r\n     3→gamma\r\n');
    expect(env.wrapper).toBe('line-numbered');
    expect(env.lines).toEqual(['alpha', 'beta', 'gamma']);
    expect(env.eols).toEqual(['\r\n', '\r\n', '\r\n']);
  });

  it('does not mistake numbers that do not ascend for line numbers', () => {
    expect(openEnvelope('1\ta\n5\tb\n9\tc\n12\td').wrapper).toBe('plain');
  });

  it('splits the Codex exec header from the output beneath it', () => {
    const text =
      'Chunk ID: 7f3a\nWall time: 1.2 seconds\nProcess exited with code 1\nOriginal token count: 5000\nOutput:\nline one\nline two\n';
    const env = openEnvelope(text);
    expect(env.wrapper).toBe('codex-exec');
    expect(env.head).toBe(
      'Chunk ID: 7f3a\nWall time: 1.2 seconds\nProcess exited with code 1\nOriginal token count: 5000\nOutput:\n',
    );
    expect(env.lines).toEqual(['line one', 'line two']);
  });

  it('handles a Codex header with no output under it', () => {
    const env = openEnvelope('Chunk ID: 1\nWall time: 0.0 seconds\nProcess exited with code 0\nOutput:\n');
    expect(env.wrapper).toBe('codex-exec');
    expect(env.lines).toEqual([]);
  });

  it('treats an empty string and one huge line as plain text', () => {
    expect(openEnvelope('').lines).toEqual([]);
    const huge = 'x'.repeat(100_000);
    expect(openEnvelope(huge).lines).toEqual([huge]);
  });

  it('recognises Claude Code persisted-output previews', () => {
    expect(isAgentPreview('<persisted-output>\nOutput too large…')).toBe(true);
    expect(isAgentPreview('plain')).toBe(false);
  });
});
