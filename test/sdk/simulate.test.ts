import { describe, expect, it } from 'vitest';
import { retrieve, simulate } from '../../src/index.js';
import { testLog } from '../helpers/outputs.js';

describe('simulate', () => {
  it('reports what compress would do without changing or storing anything', async () => {
    const messages = [
      { role: 'user', content: 'Why do the tests fail?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'shell', arguments: '{"cmd":"npm test"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: testLog() },
    ];
    const snapshot = structuredClone(messages);
    const report = await simulate(messages, { model: 'gpt-4o' });

    expect(messages).toEqual(snapshot);
    expect('messages' in report).toBe(false);
    expect(report.tokensSaved).toBeGreaterThan(5000);
    expect(report.transformsApplied).toEqual([expect.stringMatching(/^log:lines 1213→\d+$/)]);
    const block = report.blocks.find((b) => b.action === 'compressed')!;
    expect(block).toMatchObject({ messageIndex: 2, location: 'tool', kind: 'log' });
    expect(retrieve(block.hash!)).toBeUndefined();
  });
});
