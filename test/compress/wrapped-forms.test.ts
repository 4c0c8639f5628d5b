/**
 * Content whose lines cannot be kept whole (one-line minified JSON, HTML pages) still shrinks under an
 * agent's wrapper, in a form where every kept value is the original text and its line is named.
 */
import { describe, expect, it } from 'vitest';
import { claudeReadText, codexExecText } from '../../scripts/bench/messages.js';
import { loadCases, readCaseOutput } from '../../scripts/corpus/cases.js';
import { extractQuery } from '../../src/compress/query.js';
import { resolveOptions } from '../../src/compress/resolve-options.js';
import { compressBlock } from '../../src/compress/router.js';
import type { BlockHint } from '../../src/compress/types.js';

const cases = await loadCases();
const options = resolveOptions({ model: 'gpt-4o' });
const countTokens = (t: string) => Math.ceil(t.length / 4);
const caseNamed = (name: string) => cases.find((c) => c.name === name)!;

function run(text: string, hint: BlockHint, question: string) {
  return compressBlock({ text, hint, query: extractQuery(question), analysis: false }, options, countTokens);
}

const saved = (out: { tokensBefore: number; tokensAfter: number }) => 1 - out.tokensAfter / out.tokensBefore;

describe('one-line minified JSON', () => {
  it('saves as much under a Claude Read or Codex wrapper as raw, keeping the record verbatim', async () => {
    const c = caseNamed('minified-json-chalk');
    const output = await readCaseOutput(c);
    const raw = run(output, { command: c.command }, c.question);
    const read = run(claudeReadText(output), { toolName: 'Read', filePath: '/tmp/chalk.json' }, c.question);
    const codex = run(codexExecText(output, 0), { toolName: 'exec_command', command: c.command }, c.question);
    for (const out of [read, codex]) {
      expect(out.action).toBe('compressed');
      expect(saved(out)).toBeGreaterThan(saved(raw) - 0.05);
      for (const needle of c.needles) expect(out.text).toContain(needle);
      expect(out.text).toMatch(/from line 1, values verbatim · hash=/);
    }
    expect(codex.text?.startsWith('Chunk ID: 5e1c0a\n')).toBe(true);
  });
});

describe('HTML page', () => {
  it('keeps the text the question needs under a wrapper, each run verbatim from the line it names', async () => {
    const c = caseNamed('html-libxslt-transform');
    const output = await readCaseOutput(c);
    const source = output.split('\n');
    const read = run(claudeReadText(output), { toolName: 'Read', filePath: '/tmp/t.html' }, c.question);
    const codex = run(codexExecText(output, 0), { toolName: 'exec_command', command: c.command }, c.question);
    for (const out of [read, codex]) {
      expect(out.action).toBe('compressed');
      expect(saved(out)).toBeGreaterThan(0.6);
      for (const needle of c.needles) expect(out.text).toContain(needle);
      const kept = [...(out.text ?? '').matchAll(/^(\d+): (.*)$/gm)];
      expect(kept.length).toBeGreaterThan(3);
      for (const [, number, runs] of kept) {
        for (const piece of runs!.split(' · ').filter((p) => p !== '…'))
          expect(source[Number(number) - 1], piece).toContain(piece);
      }
    }
  });
});

describe('minified source', () => {
  it('shrinks under every wrapper to excerpts that are the exact characters they name', async () => {
    const c = caseNamed('minified-js-glob');
    const output = await readCaseOutput(c);
    const source = output.split('\n');
    const raw = run(output, { command: c.command }, c.question);
    // A minified bundle is not a source file the agent edits: a Read of it is compressed too.
    const read = run(claudeReadText(output), { toolName: 'Read', filePath: '/tmp/glob.min.js' }, c.question);
    const codex = run(codexExecText(output, 0), { toolName: 'exec_command', command: c.command }, c.question);
    for (const out of [raw, read, codex]) {
      expect(out.action).toBe('compressed');
      expect(saved(out)).toBeGreaterThan(0.8);
      for (const needle of c.needles) expect(out.text).toContain(needle);
      const excerpts = [
        ...(out.text ?? '').matchAll(/^line ([\d,]+), characters ([\d,]+)–([\d,]+): (.*)$/gm),
      ];
      expect(excerpts.length).toBeGreaterThan(1);
      const num = (s: string) => Number(s.replaceAll(',', ''));
      for (const [, line, from, to, text] of excerpts)
        expect(source[num(line!) - 1]!.slice(num(from!) - 1, num(to!))).toBe(text);
    }
  });
});
