import { type Reply, sse } from './fake-provider.js';

let counter = 0;
/** Each response its own id, as the real API does. */
const nextId = () => `msg_fake_${++counter}`;
const usage = { input_tokens: 100, output_tokens: 10 };

/** A finished message that says `text`. */
export function anthropicText(text: string): Reply {
  return {
    json: {
      id: nextId(),
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage,
    },
  };
}

/** A finished message that calls one tool. */
export function anthropicToolUse(name: string, input: unknown, id = 'toolu_fake_1'): Reply {
  return {
    json: {
      id: nextId(),
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [{ type: 'tool_use', id, name, input }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage,
    },
  };
}

const start = () =>
  sse(
    {
      type: 'message_start',
      message: {
        id: nextId(),
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-6',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    },
    'message_start',
  );

const stop = (reason: string) => [
  sse(
    {
      type: 'message_delta',
      delta: { stop_reason: reason, stop_sequence: null },
      usage: { output_tokens: 10 },
    },
    'message_delta',
  ),
  sse({ type: 'message_stop' }, 'message_stop'),
];

/** A streamed message that says `text` in two deltas. */
export function anthropicTextStream(text: string): Reply {
  const half = Math.floor(text.length / 2);
  return {
    sse: [
      start(),
      sse(
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        'content_block_start',
      ),
      sse(
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: text.slice(0, half) } },
        'content_block_delta',
      ),
      sse(
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: text.slice(half) } },
        'content_block_delta',
      ),
      sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      ...stop('end_turn'),
    ],
  };
}

/** A streamed message that calls one tool. */
export function anthropicToolUseStream(name: string, input: unknown, id = 'toolu_fake_1'): Reply {
  return {
    sse: [
      start(),
      sse(
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id, name, input: {} } },
        'content_block_start',
      ),
      sse(
        {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) },
        },
        'content_block_delta',
      ),
      sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      ...stop('tool_use'),
    ],
  };
}
