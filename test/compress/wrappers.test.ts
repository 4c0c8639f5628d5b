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

  it('splits Gemini CLI’s shell envelope into head, output and tail, byte for byte', () => {
    const text =
      '<untrusted_context>\nOutput: line one\nExit Code: 9\nline two\n\nError: boom\nExit Code: 1\nProcess Group PGID: 77\n</untrusted_context>';
    const env = openEnvelope(text);
    expect(env.wrapper).toBe('gemini-shell');
    expect(env.head).toBe('<untrusted_context>\nOutput: ');
    // An `Exit Code:` line inside the output is output; only the trailing run of envelope lines is the tail.
    expect(env.content).toBe('line one\nExit Code: 9\nline two\n');
    expect(env.tail).toBe('\nError: boom\nExit Code: 1\nProcess Group PGID: 77\n</untrusted_context>');
    expect(env.head + env.content + env.tail).toBe(text);
  });

  it('takes older Gemini CLI envelopes, its cut note and CRLF output, and nothing without an exit line', () => {
    const old =
      'Command: ls\nDirectory: (root)\nOutput: a\r\nb\r\nExit Code: 0\nSignal: (none)\nProcess Group PGID: 5\n';
    const env = openEnvelope(old);
    expect([env.wrapper, env.head, env.content, env.tail]).toEqual([
      'gemini-shell',
      'Command: ls\nDirectory: (root)\nOutput: ',
      'a\r\nb',
      '\r\nExit Code: 0\nSignal: (none)\nProcess Group PGID: 5\n',
    ]);
    const cut =
      'Output too large. Showing first 8,000 and last 32,000 characters. For full output see: /t/x.txt\nOutput: a\nProcess Group PGID: 5';
    expect(openEnvelope(cut).head).toBe(`${cut.slice(0, cut.indexOf('Output: '))}Output: `);
    expect(openEnvelope('Output: a\nb\nc').wrapper).toBe('plain');
    expect(openEnvelope('note\nOutput: a\nExit Code: 0').wrapper).toBe('plain');
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
