import { describe, expect, it } from 'vitest';
import { anthropicProtocol } from '../../../src/sdk/wire/anthropic.js';
import { openaiChatProtocol } from '../../../src/sdk/wire/openai-chat.js';
import { responsesProtocol } from '../../../src/sdk/wire/responses.js';

const answer = (call: { id: string }) => `original for ${call.id}`;

describe('anthropic answerCalls', () => {
  it('adds a missing retrieval result after the caller’s own results, and leaves other results alone', () => {
    const items = [
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'a', name: 'Bash', input: {} },
          { type: 'tool_use', id: 'r', name: 'headroom_retrieve', input: { hash: 'abc123' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'a', content: 'bash output' },
          { type: 'text', text: 'next' },
        ],
      },
    ];
    const out = anthropicProtocol.answerCalls(items, answer);
    expect(out[1]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'a', content: 'bash output' },
        { type: 'tool_result', tool_use_id: 'r', content: 'original for r' },
        { type: 'text', text: 'next' },
      ],
    });
    expect(items[1]!.content).toHaveLength(2);
  });

  it('returns the same array when there is no retrieval call', () => {
    const items = [{ role: 'user', content: 'hi' }];
    expect(anthropicProtocol.answerCalls(items, answer)).toBe(items);
  });

  it('keeps a cache_control marker on a result it rewrites', () => {
    const items = [
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'r', name: 'headroom_retrieve', input: { hash: 'abc123' } }],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'r',
            content: 'x',
            is_error: true,
            cache_control: { type: 'ephemeral' },
          },
        ],
      },
    ];
    expect(anthropicProtocol.answerCalls(items, answer)[1]).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'r',
          content: 'original for r',
          cache_control: { type: 'ephemeral' },
        },
      ],
    });
  });

  it('waits for the caller when the retrieval call is the last turn', () => {
    const items = [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'r', name: 'headroom_retrieve', input: {} }] },
    ];
    expect(anthropicProtocol.answerCalls(items, answer)).toBe(items);
  });
});

describe('openai chat answerCalls', () => {
  it('adds a missing tool message after the caller’s tool messages', () => {
    const items = [
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'shell', arguments: '{}' } },
          {
            id: 'r',
            type: 'function',
            function: { name: 'headroom_retrieve', arguments: '{"hash":"abc123"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: 'shell output' },
      { role: 'user', content: 'next' },
    ];
    expect(openaiChatProtocol.answerCalls(items, answer)).toEqual([
      items[0],
      items[1],
      { role: 'tool', tool_call_id: 'r', content: 'original for r' },
      items[2],
    ]);
  });
});

describe('responses answerCalls', () => {
  it('puts a missing output after the run of parallel calls, before their outputs', () => {
    const items = [
      { type: 'function_call', call_id: 'r', name: 'headroom_retrieve', arguments: '{"hash":"abc123"}' },
      { type: 'function_call', call_id: 'a', name: 'shell', arguments: '{}' },
      { type: 'function_call_output', call_id: 'a', output: 'shell output' },
    ];
    expect(responsesProtocol.answerCalls(items, answer)).toEqual([
      items[0],
      items[1],
      { type: 'function_call_output', call_id: 'r', output: 'original for r' },
      items[2],
    ]);
  });

  it('does not loop on a response that also calls the caller’s tools', () => {
    const response = {
      status: 'completed',
      output: [
        { type: 'function_call', call_id: 'r', name: 'headroom_retrieve', arguments: '{}' },
        { type: 'function_call', call_id: 'a', name: 'shell', arguments: '{}' },
      ],
    };
    expect(responsesProtocol.pendingRetrievals(response)).toBeUndefined();
  });
});
