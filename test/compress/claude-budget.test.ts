import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compressMessages } from '../../src/compress/compress.js';
import { createBlockMemo } from '../../src/compress/memo.js';
import { extractQuery } from '../../src/compress/query.js';
import { resolveOptions } from '../../src/compress/resolve-options.js';
import { type BlockInput, compressBlock } from '../../src/compress/router.js';
import type { BlockHint } from '../../src/compress/types.js';
import { tokenCounter } from '../../src/tokens/count.js';
import { apiRecords, testLog } from '../helpers/outputs.js';

const BUDGET = { readTokens: 25_000, bashChars: 30_000 };
const options = resolveOptions({ model: 'claude-sonnet-4-6', claudeBudget: BUDGET });
const CORPUS = path.resolve(import.meta.dirname, '../fixtures/corpus');
const count = await tokenCounter('claude-sonnet-4-6');

/** What Claude Code's Read sends: every line as `<number><TAB><line>`. */
function numbered(text: string): string {
  return text
    .split('\n')
    .map((line, i) => `${i + 1}\t${line}`)
    .join('\n');
}

function block(text: string, hint: BlockHint, question = ''): BlockInput {
  return { text, hint, query: extractQuery(question), analysis: false };
}

const read = (file: string): BlockHint => ({ toolName: 'Read', filePath: file });

/** Claude Code 2.1.197's preview of a saved Bash output (the real one, shortened to its parts). */
function preview(file: string, whole: string): string {
  return `<persisted-output>\nOutput too large (${(whole.length / 1024).toFixed(1)}KB). Full output saved to: ${file}\n\nPreview (first 2KB):\n${whole.slice(0, 2000)}\n...\n</persisted-output>`;
}

describe('Claude budget mode: Read', () => {
  it('holds a big JSON Read to the budget and keeps the item the question names', () => {
    const json = apiRecords(3000);
    const text = numbered(json);
    expect(count(text)).toBeGreaterThan(BUDGET.readTokens);
    const out = compressBlock(
      block(text, read('/repo/services.json'), 'what is the status of needle-service?'),
      options,
      count,
    );
    expect(out.action).toBe('compressed');
    expect(out.tokensAfter).toBeLessThanOrEqual(BUDGET.readTokens);
    const needle = text.split('\n').find((l) => l.includes('"needle-service"'))!;
    expect(out.text!.split('\n')).toContain(needle);
  });

  it('sends a first page of Claude Code size with a note when a source file is over budget', () => {
    const source = readFileSync(path.join(CORPUS, 'source-openai-client.txt'), 'utf8');
    const text = numbered(source.repeat(4));
    const whole = count(text);
    expect(whole).toBeGreaterThan(8_000);
    const small = resolveOptions({
      model: 'claude-sonnet-4-6',
      claudeBudget: { ...BUDGET, readTokens: 8_000 },
    });
    const out = compressBlock(block(text, read('/repo/src/client.ts')), small, count);
    expect(out.transform).toMatch(/^read:first-page/);
    expect(out.tokensAfter).toBeLessThanOrEqual(8_000);
    expect(out.tokensAfter).toBeGreaterThan(8_000 * 0.7);
    const [note, blank, ...page] = out.text!.split('\n');
    expect(blank).toBe('');
    const shown = page.length;
    expect(note).toContain(`showing lines 1-${shown} of ${text.split('\n').length} total`);
    expect(note).toContain(`offset=${shown + 1}`);
    expect(note).toContain('/repo/src/client.ts');
    // The page is the file's first lines, byte for byte.
    expect(page.join('\n')).toBe(text.split('\n').slice(0, shown).join('\n'));
  });

  it('leaves a source file within budget whole, and a file at exactly the budget too', () => {
    const source = numbered(readFileSync(path.join(CORPUS, 'source-openai-client.txt'), 'utf8'));
    const exact = resolveOptions({
      model: 'claude-sonnet-4-6',
      claudeBudget: { ...BUDGET, readTokens: source.length },
    });
    const byChars = (t: string) => t.length;
    const out = compressBlock(block(source, read('/repo/src/client.ts')), exact, byChars);
    expect(out.action).toBe('code-read');
    expect(out.text).toBeUndefined();
    const under = resolveOptions({
      model: 'claude-sonnet-4-6',
      claudeBudget: { ...BUDGET, readTokens: source.length - 1 },
    });
    expect(compressBlock(block(source, read('/repo/src/client.ts')), under, byChars).transform).toMatch(
      /^read:first-page/,
    );
  });

  it('passes an empty file through', () => {
    expect(compressBlock(block('', read('/repo/empty.log')), options, count).action).toBe('empty');
  });

  it('keeps paged reads exact and leaves pages Claude Code already cut to their cap alone', () => {
    const text = numbered(apiRecords(3000));
    const paged = compressBlock(block(text, { ...read('/repo/a.json'), readRange: true }), options, count);
    expect(paged.action).toBe('exact-read');
    const partial = `<system-reminder>[Truncated: PARTIAL view — showing lines 1-1865 of 2941 total (33495 tokens, cap 25000). Call Read with offset=1866 limit=1865 for the next page.]</system-reminder>\n\n${numbered(readFileSync(path.join(CORPUS, 'source-openai-client.txt'), 'utf8').repeat(4))}`;
    const out = compressBlock(block(partial, read('/repo/src/client.ts')), options, count);
    expect(out.action).toBe('code-read');
  });
});

describe('Claude budget mode: saved Bash output', () => {
  it('shows the whole saved output within the budget, with the failing test and its assertion', () => {
    const log = testLog(6000);
    expect(log.length).toBeGreaterThan(BUDGET.bashChars);
    const sent = preview('/home/u/.claude/projects/p/s/tool-results/b1.txt', log);
    const out = compressBlock(
      { ...block(sent, { toolName: 'Bash', command: 'npm test' }), persisted: log },
      options,
      count,
    );
    expect(out.action).toBe('expanded');
    expect(out.text!.length).toBeLessThanOrEqual(BUDGET.bashChars);
    expect(out.text).toContain('   → AssertionError: expected 90 to be 81 // Object.is equality');
    expect(out.text).toContain('     at src/billing/invoice.test.ts:42:19');
    expect(out.text).toContain('      Tests  1 failed | 6000 passed (6001)');
    expect(out.text).toMatch(/hash=[0-9a-f]+/);
  });

  it('cuts an output that is all errors down to the budget, first and last error kept', () => {
    const errors = Array.from(
      { length: 4000 },
      (_, i) =>
        `src/mod${i}.ts(${i + 1},7): error TS2322: Type 'string${i}' is not assignable to type 'number'.`,
    ).join('\n');
    const sent = preview('/home/u/.claude/projects/p/s/tool-results/b2.txt', errors);
    const out = compressBlock(
      { ...block(sent, { toolName: 'Bash', command: 'tsc' }), persisted: errors },
      options,
      count,
    );
    expect(out.action).toBe('expanded');
    expect(out.text!.length).toBeLessThanOrEqual(BUDGET.bashChars);
    expect(out.text).toContain(errors.split('\n')[0]);
    expect(out.text).toContain(errors.split('\n').at(-1));
  });

  it('sends a saved output that fits the budget whole', () => {
    const small = resolveOptions({
      model: 'claude-sonnet-4-6',
      claudeBudget: { ...BUDGET, bashChars: 200_000 },
    });
    const log = testLog(2000);
    const sent = preview('/x/tool-results/b3.txt', log);
    const out = compressBlock({ ...block(sent, { toolName: 'Bash' }), persisted: log }, small, count);
    expect(out.text).toBe(log);
  });

  it('leaves a preview alone without the saved output, or with the mode off', () => {
    const log = testLog(6000);
    const sent = preview('/x/tool-results/b4.txt', log);
    expect(compressBlock(block(sent, { toolName: 'Bash' }), options, count).action).toBe('agent-preview');
    const off = resolveOptions({ model: 'claude-sonnet-4-6' });
    expect(compressBlock({ ...block(sent, { toolName: 'Bash' }), persisted: log }, off, count).action).toBe(
      'agent-preview',
    );
  });

  it('is deterministic across calls and memo, and stores the whole output as the original', async () => {
    const log = testLog(6000);
    const sent = preview('/x/tool-results/b5.txt', log);
    const messages = [
      { role: 'user', content: 'why does npm test fail?' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'npm test' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: sent }] },
      { role: 'assistant', content: 'Looking.' },
    ];
    const opts = {
      model: 'claude-sonnet-4-6',
      claudeBudget: BUDGET,
      persistedOutputs: new Map([[sent, log]]),
    };
    const memo = createBlockMemo();
    const first = await compressMessages(messages, opts, memo);
    const again = await compressMessages(messages, opts, memo);
    const fresh = await compressMessages(messages, opts);
    expect(JSON.stringify(again.messages)).toBe(JSON.stringify(first.messages));
    expect(JSON.stringify(fresh.messages)).toBe(JSON.stringify(first.messages));
    expect([...first.originals.values()]).toEqual([log]);
    expect(first.blocks.find((b) => b.location === 'tool_result')?.action).toBe('expanded');
  });
});
