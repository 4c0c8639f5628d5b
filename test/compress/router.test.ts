import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/compress/resolve-options.js';
import { compressBlock } from '../../src/compress/router.js';
import { isShellOutput, openEnvelope } from '../../src/compress/wrappers/index.js';
import { bigTestLog } from '../helpers/proxy-harness.js';

const CODEX_HEADER =
  'Chunk ID: 1\nWall time: 1.0 seconds\nProcess exited with code 0\nOriginal token count: 9000\nOutput:\n';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('compressBlock', () => {
  it('never cuts an emoji in half when it trims a one-line Codex output to its budget', () => {
    const options = resolveOptions({ model: 'gpt-4o', toolOutputBudget: 10_000 });
    const json = JSON.stringify(Array.from({ length: 800 }, (_, i) => ({ id: i, note: '😀'.repeat(10) })));
    // Shifting the end by one character moves the tail's cut point across every emoji's two halves.
    for (let pad = 0; pad < 2; pad++) {
      const text = `${CODEX_HEADER}${json}${' '.repeat(pad)}`;
      const out = compressBlock(
        { text, hint: { command: 'cat data.json' }, query: { terms: [], text: '' }, analysis: false },
        options,
        (t) => Math.ceil(t.length / 4),
      );
      expect(out.text).toBeDefined();
      expect(out.text!.length).toBeLessThanOrEqual(10_000);
      expect(out.text).not.toMatch(LONE_SURROGATE);
    }
  });

  it('holds a Gemini CLI shell output to the budget too, keeping the failing assertion and the envelope', () => {
    const log = bigTestLog(5000, 4);
    const text = `<untrusted_context>\nOutput: ${log}\nExit Code: 1\nProcess Group PGID: 48213\n</untrusted_context>`;
    expect(isShellOutput(openEnvelope(text))).toBe(true);
    const block = { text, hint: { command: 'npm test' }, query: { terms: [], text: '' }, analysis: false };
    const count = (t: string) => Math.ceil(t.length / 4);
    const budget = 40_000;
    const held = compressBlock(
      block,
      resolveOptions({ model: 'gemini-2.5-pro', toolOutputBudget: budget }),
      count,
    );
    expect(held.text!.length).toBeLessThanOrEqual(budget);
    expect(held.text).toContain('Error: expected 10.05 to equal 10.06');
    expect(held.text!.endsWith('\nExit Code: 1\nProcess Group PGID: 48213\n</untrusted_context>')).toBe(true);
    // Plain text is no shell output: no budget applies to it.
    expect(isShellOutput(openEnvelope(log))).toBe(false);
  });
});
