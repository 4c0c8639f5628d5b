import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/compress/resolve-options.js';
import { compressBlock } from '../../src/compress/router.js';

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
});
