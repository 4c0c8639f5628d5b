import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { compressMessages } from '../../src/compress/compress.js';
import { createBlockMemo } from '../../src/compress/memo.js';
import { compress, configureRetrieval, retrieve, simulate } from '../../src/index.js';
import { tokenCounter } from '../../src/tokens/count.js';
import { apiRecords, grepOutput, testLog } from '../helpers/outputs.js';

const model = 'gpt-4o';

function openaiConversation(question: string, command: string, output: string) {
  return [
    { role: 'system', content: 'You are a coding agent.' },
    { role: 'user', content: question },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'call_1',
          type: 'function',
          function: { name: 'bash', arguments: JSON.stringify({ command }) },
        },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: output },
  ];
}

function anthropicConversation(question: string, command: string, output: string) {
  return [
    { role: 'user', content: [{ type: 'text', text: question }] },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Run it.', signature: 'sig-abc' },
        { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command } },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          content: output,
          cache_control: { type: 'ephemeral' },
        },
      ],
    },
  ];
}

const markerHash = (text: string) => /hash=([0-9a-f]{12})/.exec(text)?.[1];

describe('compress', () => {
  it('shrinks a failing test log and keeps the failing assertion and summary verbatim', async () => {
    const log = testLog();
    const messages = openaiConversation('why does the invoice test fail?', 'npm test', log);
    const result = await compress(messages, { model });
    const out = result.messages[3]!.content as string;
    expect(result.tokensSaved).toBeGreaterThan(0);
    expect(result.compressionRatio).toBeGreaterThan(0.8);
    expect(out).toContain('   → AssertionError: expected 90 to be 81 // Object.is equality');
    expect(out).toContain('      Tests  1 failed | 1200 passed (1201)');
    expect(result.transformsApplied[0]).toMatch(/^log:/);
  });

  it('gives back the exact original through retrieve(hash)', async () => {
    const log = testLog();
    const result = await compress(openaiConversation('what failed?', 'npm test', log), { model });
    const hash = markerHash(result.messages[3]!.content as string);
    expect(hash).toBeDefined();
    expect(retrieve(hash!)).toBe(log);
  });

  it('checks configureRetrieval limits instead of silently keeping nothing', () => {
    for (const limits of [{ maxChars: -1 }, { ttlMs: 0 }, { maxChars: '64MB' }, { ttl: 1000 }, null]) {
      expect(() => configureRetrieval(limits as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION', fix: expect.any(String) }),
      );
    }
  });

  it('keeps the JSON item the user asked about and the failed one', async () => {
    const json = apiRecords();
    const result = await compress(
      openaiConversation('what region is needle-service in?', 'curl -s api/services', json),
      { model },
    );
    const out = result.messages[3]!.content as string;
    expect(out).toContain('needle-service');
    expect(out).toContain('failed');
    expect(result.tokensAfter).toBeLessThan(result.tokensBefore * 0.5);
  });

  it('keeps the grep line the user named by function', async () => {
    const grep = grepOutput();
    const result = await compress(
      openaiConversation('where is resolveWidgetConfig defined?', 'grep -rn "export function" src', grep),
      { model },
    );
    expect(result.messages[3]!.content).toContain(
      'src/feature57/index.ts:73:export function resolveWidgetConfig(input: Input): Output {',
    );
  });

  it('returns Anthropic messages in the same shape, with ids, thinking and cache_control untouched', async () => {
    const messages = anthropicConversation('why does the invoice test fail?', 'npm test', testLog());
    const result = await compress(messages, { model: 'claude-sonnet-4-5' });
    expect(result.messages).toHaveLength(3);
    expect(result.messages[1]).toBe(messages[1]);
    const block = result.messages[2]!.content[0] as {
      tool_use_id: string;
      content: string;
      cache_control: unknown;
    };
    expect(block.tool_use_id).toBe('toolu_1');
    expect(block.cache_control).toEqual({ type: 'ephemeral' });
    expect(block.content).toContain('AssertionError: expected 90 to be 81');
    expect(block.content.length).toBeLessThan(testLog().length / 5);
  });

  it('compresses Responses-API function_call_output items', async () => {
    const input = [
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: 'why does the invoice test fail?' }],
      },
      {
        type: 'function_call',
        call_id: 'c1',
        name: 'exec_command',
        arguments: JSON.stringify({ cmd: 'npm test' }),
      },
      { type: 'function_call_output', call_id: 'c1', output: testLog() },
    ];
    const result = await compress(input, { model: 'gpt-5' });
    const item = result.messages[2] as { call_id: string; output: string };
    expect(item.call_id).toBe('c1');
    expect(item.output).toContain('AssertionError');
    expect(result.tokensSaved).toBeGreaterThan(1000);
  });

  it('counts the text of a plain-text document in tokensBefore, and not a base64 document', async () => {
    const text = testLog(40);
    const doc = (source: Record<string, unknown>) => [
      {
        role: 'user',
        content: [
          { type: 'document', source, title: 'notes' },
          { type: 'text', text: 'what does it say?' },
        ],
      },
    ];
    const bare = await compress(doc({ type: 'url', url: 'https://example.com/a.pdf' }), { model });
    const plain = await compress(doc({ type: 'text', media_type: 'text/plain', data: text }), { model });
    const pdf = await compress(
      doc({ type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x'.repeat(500) }),
      {
        model,
      },
    );
    const count = await tokenCounter(model);
    // The same count as the text block's own, plus the two short fields around it.
    expect(plain.tokensBefore - bare.tokensBefore).toBe(
      count(text) + count('text') + count('text/plain') - count('url') - count('https://example.com/a.pdf'),
    );
    expect(pdf.tokensBefore - bare.tokensBefore).toBe(
      count('base64') + count('application/pdf') - count('url') - count('https://example.com/a.pdf'),
    );
  });

  it('does not modify the caller’s messages', async () => {
    const messages = openaiConversation('q', 'npm test', testLog());
    const copy = structuredClone(messages);
    await compress(messages, { model });
    expect(messages).toEqual(copy);
  });

  it('is deterministic: the same input gives byte-identical output', async () => {
    const messages = openaiConversation('why does needle-service fail?', 'curl api', apiRecords());
    const a = await compress(messages, { model });
    const b = await compress(structuredClone(messages), { model });
    expect(JSON.stringify(a.messages)).toBe(JSON.stringify(b.messages));
  });

  it('leaves a block it already compressed as it is when the compressed messages come back', async () => {
    // A caller that keeps the compressed messages as its history sends them again on the next turn.
    const corpus = await readFile(new URL('../fixtures/corpus/npm-ls-all.txt', import.meta.url), 'utf8');
    const question = 'Which versions of undici and nanoid are in the dependency tree?';
    for (const output of [testLog(), apiRecords(), corpus]) {
      for (const conversation of [openaiConversation, anthropicConversation]) {
        const first = await compress(conversation(question, 'npm ls --all --json', output), { model });
        expect(first.transformsApplied).toHaveLength(1);
        const again = await compress(first.messages, { model });
        expect(JSON.stringify(again.messages)).toBe(JSON.stringify(first.messages));
        expect(again.blocks.at(-1)!.action).toBe('already-compressed');
        expect(again.transformsApplied).toEqual([]);
      }
    }
  });

  it('compresses an earlier block the same way however many messages follow it', async () => {
    const first = openaiConversation('why does the invoice test fail?', 'npm test', testLog());
    const later = [
      ...first,
      { role: 'assistant', content: 'Looking at the billing code.' },
      { role: 'user', content: 'now check needle-service' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_2', type: 'function', function: { name: 'bash', arguments: '{"command":"curl api"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_2', content: apiRecords() },
    ];
    const a = await compress(first, { model });
    const b = await compress(later, { model });
    expect(JSON.stringify(b.messages.slice(0, 4))).toBe(JSON.stringify(a.messages));
  });

  it('passes malformed JSON, binary-looking text, empty and small content through untouched', async () => {
    const malformed = `[{"id": 1, "name": "x"},${' {"id": 2,'.repeat(400)}`;
    const binary = `\u0000\u0001\u0002${'abc'.repeat(2000)}`;
    for (const content of [malformed, binary, '', 'ok']) {
      const messages = openaiConversation('q', 'cat data', content);
      const result = await compress(messages, { model });
      expect(result.messages[3]!.content).toBe(content);
    }
  });

  it('passes unknown message and block shapes through without throwing', async () => {
    const messages = [
      { role: 'user', content: [{ type: 'mystery', payload: { a: 1 } }] },
      { weird: true },
      42,
      null,
    ];
    const result = await compress(messages, { model });
    expect(result.messages).toEqual(messages);
    expect(result.tokensSaved).toBe(0);
  });

  it('rejects messages that are not an array with a typed error', async () => {
    await expect(compress('hello' as unknown as unknown[], { model })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('leaves the newest messages alone when protectRecent asks for it', async () => {
    const result = await compress(openaiConversation('q', 'npm test', testLog()), {
      model,
      protectRecent: 1,
    });
    expect(result.messages[3]!.content).toBe(testLog());
    expect(result.blocks[0]!.action).toBe('protected-recent');
  });

  it('does not compress code when the user asks for a review', async () => {
    const code = Array.from({ length: 300 }, (_, i) =>
      i % 10 === 0
        ? `export function fn${i}(a: number, b: number): number {`
        : i % 10 === 9
          ? '}'
          : `  const v${i} = a * ${i} + b;`,
    ).join('\n');
    const review = await compress(openaiConversation('please review src/math.ts', 'cat src/math.ts', code), {
      model,
    });
    expect(review.messages[3]!.content).toBe(code);
    expect(review.blocks[0]!.action).toBe('analysis-context');
  });

  it('compresses user text only when asked', async () => {
    const big = testLog();
    const messages = [{ role: 'user', content: big }];
    expect((await compress(messages, { model })).messages[0]!.content).toBe(big);
    expect((await compress(messages, { model, compressUserMessages: true })).messages[0]!.content).not.toBe(
      big,
    );
  });

  it('simulate reports decisions without changing anything', async () => {
    const messages = openaiConversation('why?', 'npm test', testLog());
    const report = await simulate(messages, { model });
    expect(report.blocks[0]!.action).toBe('compressed');
    expect(report.tokensSaved).toBeGreaterThan(0);
    expect('messages' in report).toBe(false);
  });

  it('reuses memoised decisions, giving the same bytes', async () => {
    const memo = createBlockMemo();
    const messages = openaiConversation('why?', 'npm test', testLog());
    const a = await compressMessages(messages, { model }, memo);
    const b = await compressMessages(messages, { model }, memo);
    expect(JSON.stringify(b.messages)).toBe(JSON.stringify(a.messages));
    expect(b.originals.size).toBe(1);
  });
});

describe('compressMessages cancellation', () => {
  it('stops between big blocks once the caller aborts', async () => {
    const messages = openaiConversation('why?', 'npm test', testLog());
    const controller = new AbortController();
    controller.abort();
    await expect(compressMessages(messages, { model }, undefined, controller.signal)).rejects.toThrow();
  });
});
