/**
 * A Codex `response.create` frame over the WebSocket carries only the new items (`previous_response_id`):
 * the tool output without the user's question and without the call that names the command. What the
 * output is, and its errors, failures and summaries, must not depend on either.
 */
import { describe, expect, it } from 'vitest';
import { codexExecText } from '../../scripts/bench/messages.js';
import { loadCases, readCaseOutput } from '../../scripts/corpus/cases.js';
import { detectCompressor } from '../../src/compress/detect.js';
import { extractQuery } from '../../src/compress/query.js';
import { resolveOptions } from '../../src/compress/resolve-options.js';
import { compressBlock } from '../../src/compress/router.js';
import type { BlockHint } from '../../src/compress/types.js';
import { bigTestLog } from '../helpers/proxy-harness.js';

const countTokens = (t: string) => Math.ceil(t.length / 4);
const NO_QUESTION = extractQuery('');
/** Corpus cases whose needles are all errors, failing tests with their assertions, or run summaries. */
const FAILURE_CASES = ['vitest-run', 'pytest-v-failures', 'tsc-errors', 'tsc-mixed-codes', 'apt-term-log'];
const cases = (await loadCases()).filter((c) => FAILURE_CASES.includes(c.name));

/** The output raw, and as Codex sends it (its exec header; the call, with the command, is not in the frame). */
function forms(output: string): { name: string; text: string; hint: BlockHint }[] {
  return [
    { name: 'raw', text: output, hint: {} },
    { name: 'codex exec', text: codexExecText(output, 1), hint: { toolName: 'exec_command' } },
  ];
}

describe('without the question or the command', () => {
  it('finds every failure-case output of the corpus', () => {
    expect(cases.map((c) => c.name).sort()).toEqual([...FAILURE_CASES].sort());
  });

  describe.each(cases)('$name', (c) => {
    it('is a log and keeps its errors, failures and summaries, raw and under Codex exec', async () => {
      const output = await readCaseOutput(c);
      expect(detectCompressor(output, {})?.kind).toBe('log');
      for (const { text, hint } of forms(output)) {
        for (const options of [
          resolveOptions({ model: 'gpt-4o' }),
          resolveOptions({ model: 'gpt-4o', toolOutputBudget: 10_000 }),
        ]) {
          const out = compressBlock(
            { text, hint, query: NO_QUESTION, analysis: false },
            options,
            countTokens,
          );
          expect(out.kind).toBe('log');
          const shown = out.text ?? text;
          for (const needle of c.needles) expect(shown).toContain(needle);
        }
      }
    });
  });

  it('takes a jest-style run of 700 tests for a log, not a file listing, and keeps the failing assertion', () => {
    // The output the real Codex sent over the WebSocket: `PASS <path> (n ms)` lines look like paths.
    const log = bigTestLog(700);
    expect(detectCompressor(log, {})?.kind).toBe('log');
    const options = resolveOptions({ model: 'gpt-4o', toolOutputBudget: 10_000 });
    for (const { text, hint } of forms(log)) {
      const out = compressBlock({ text, hint, query: NO_QUESTION, analysis: false }, options, countTokens);
      expect(out.kind).toBe('log');
      expect(out.text).toContain('FAIL src/billing/invoice-0.test.ts');
      expect(out.text).toContain('    Error: expected 10.05 to equal 10.06');
      expect(out.text).toContain('Tests: 1 failed, 700 passed, 701 total');
    }
  });

  it('still takes a listing of test files for a listing', () => {
    const listing = Array.from({ length: 40 }, (_, i) => `src/module-${i}/feature-${i}.test.ts`).join('\n');
    expect(detectCompressor(listing, {})?.kind).toBe('listing');
  });
});
