import { type Reply, sse } from './fake-provider.js';

let counter = 0;
const nextId = (prefix: string) => `${prefix}_fake_${++counter}`;
const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };

function completion(message: unknown, finish: string): Reply {
  return {
    json: {
      id: nextId('chatcmpl'),
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o',
      choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
      usage,
    },
  };
}

/** A chat completion that says `text`. */
export const chatText = (text: string): Reply =>
  completion({ role: 'assistant', content: text, refusal: null }, 'stop');

/** A chat completion that calls one function. */
export const chatToolCall = (name: string, args: unknown, id = 'call_fake_1'): Reply =>
  completion(
    {
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
    },
    'tool_calls',
  );

/** A streamed chat completion that says `text` in two chunks. */
export function chatTextStream(text: string): Reply {
  const id = nextId('chatcmpl');
  const chunk = (delta: unknown, finish: string | null) =>
    sse({
      id,
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'gpt-4o',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  const half = Math.floor(text.length / 2);
  return {
    sse: [
      chunk({ role: 'assistant', content: text.slice(0, half) }, null),
      chunk({ content: text.slice(half) }, null),
      chunk({}, 'stop'),
      sse('[DONE]'),
    ],
  };
}

function response(output: unknown[]): Record<string, unknown> {
  return {
    id: nextId('resp'),
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model: 'gpt-4o',
    output,
    usage: { input_tokens: 100, output_tokens: 10, total_tokens: 110 },
  };
}

const messageItem = (text: string) => ({
  type: 'message',
  id: nextId('msg'),
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [] }],
});

/** A Responses API response that says `text`. */
export const responsesText = (text: string): Reply => ({ json: response([messageItem(text)]) });

/** A Responses API response that calls one function. */
export const responsesToolCall = (name: string, args: unknown, callId = 'call_fake_1'): Reply => ({
  json: response([
    {
      type: 'function_call',
      id: nextId('fc'),
      call_id: callId,
      name,
      arguments: JSON.stringify(args),
      status: 'completed',
    },
  ]),
});

/** A streamed Responses API response that says `text`. */
export function responsesTextStream(text: string): Reply {
  const done = response([messageItem(text)]);
  return {
    sse: [
      sse(
        {
          type: 'response.created',
          response: { ...done, status: 'in_progress', output: [] },
          sequence_number: 0,
        },
        'response.created',
      ),
      sse(
        {
          type: 'response.output_text.delta',
          item_id: 'msg_1',
          output_index: 0,
          content_index: 0,
          delta: text,
          sequence_number: 1,
        },
        'response.output_text.delta',
      ),
      sse({ type: 'response.completed', response: done, sequence_number: 2 }, 'response.completed'),
    ],
  };
}
