import { describe, expect, it } from 'vitest';
import { opencodeCutText, qwenShellText } from '../../scripts/bench/messages.js';
import { isAgentPreview, isShellOutput, openEnvelope } from '../../src/compress/wrappers/index.js';

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

  it('reads Qwen Code’s shell result as the Gemini CLI envelope it was forked from', () => {
    const text = qwenShellText('a\nb', 1, 'npm test');
    const env = openEnvelope(text);
    expect([env.wrapper, env.head, env.content]).toEqual([
      'gemini-shell',
      'Command: npm test\nDirectory: (root)\nOutput: ',
      'a\nb',
    ]);
    expect(env.tail).toBe('\nError: (none)\nExit Code: 1\nSignal: (none)\nProcess Group PGID: (none)');
    expect(isShellOutput(env)).toBe(true);
  });

  it('keeps Qwen Code’s cut note verbatim in the head, the shell envelope around the kept part', () => {
    const text = qwenShellText('a\n... [CONTENT TRUNCATED] ...\nz', 1, 'npm test', true);
    const env = openEnvelope(text);
    expect(env.wrapper).toBe('qwen-shell');
    expect(env.head.startsWith('Tool output was too large and has been truncated.\n')).toBe(true);
    expect(
      env.head.endsWith('Truncated part of the output:\nCommand: npm test\nDirectory: (root)\nOutput: '),
    ).toBe(true);
    expect(env.content).toBe('a\n... [CONTENT TRUNCATED] ...\nz');
    expect(env.head + env.content + env.tail).toBe(text);
    expect(isShellOutput(env)).toBe(true);
    // Another tool's result under the note (a cut `read_file`) is raw content with the note as its head.
    const note = text.slice(0, text.indexOf('Command: '));
    const read = openEnvelope(`${note}line 1\nline 2`);
    expect([read.wrapper, read.head, read.content, read.exactLines]).toEqual([
      'qwen-cut',
      note,
      'line 1\nline 2',
      false,
    ]);
    expect(isShellOutput(read)).toBe(false);
    // The note must end where Qwen Code ends it, near the start.
    expect(openEnvelope(`${note.slice(0, 60)}\nline`).wrapper).toBe('plain');
    expect(
      openEnvelope(
        `Tool output was too large and has been truncated.\n${'x'.repeat(3000)}\nTruncated part of the output:\nz`,
      ).wrapper,
    ).toBe('plain');
  });

  it('keeps opencode’s cut note verbatim and judges the tail beneath it as raw output', () => {
    const text = opencodeCutText('PASS 4353\nPASS 4354\n');
    const env = openEnvelope(text);
    expect(env.wrapper).toBe('opencode-cut');
    expect(env.head).toBe(text.slice(0, text.indexOf('PASS')));
    expect([env.content, env.tail, env.exactLines]).toEqual(['PASS 4353\nPASS 4354\n', '', false]);
    expect(isShellOutput(env)).toBe(true);
    // opencode's uncut result is the raw output: nothing to see through.
    expect(openEnvelope('PASS 1\nPASS 2').wrapper).toBe('plain');
    expect(openEnvelope('...output truncated...\nFull output saved to: /x\n\ntail').wrapper).toBe('plain');
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
