import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createUsageReader } from '../../src/proxy/usage.js';
import { splitBytes, sse } from '../helpers/fake-server.js';

const SSE = 'text/event-stream; charset=utf-8';

async function read(body: Buffer, contentType: string, encoding?: string, chunkSize = body.length || 1) {
  const reader = createUsageReader(contentType, encoding);
  for (const chunk of splitBytes(body, chunkSize)) reader.push(chunk);
  return reader.finish();
}

const anthropicStream = sse([
  {
    event: 'message_start',
    data: {
      type: 'message_start',
      message: {
        id: 'msg_1',
        usage: {
          input_tokens: 120,
          cache_read_input_tokens: 5000,
          cache_creation_input_tokens: 300,
          output_tokens: 1,
        },
      },
    },
  },
  { event: 'ping', data: { type: 'ping' } },
  {
    event: 'content_block_delta',
    data: {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'héllo ✓ 🎉 "usage"' },
    },
  },
  {
    event: 'message_delta',
    data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 42 } },
  },
  { event: 'message_stop', data: { type: 'message_stop' } },
]);

describe('reading provider usage', () => {
  it('reads Anthropic stream usage from message_start and message_delta, however the bytes are cut', async () => {
    const expected = { inputTokens: 120, outputTokens: 42, cacheReadTokens: 5000, cacheWriteTokens: 300 };
    for (const size of [1, 2, 3, 7, 64, anthropicStream.length]) {
      expect(await read(anthropicStream, SSE, undefined, size)).toEqual(expected);
    }
  });

  it('reads Anthropic usage from a JSON message', async () => {
    const body = Buffer.from(
      JSON.stringify({
        id: 'm',
        usage: {
          input_tokens: 10,
          output_tokens: 3,
          cache_read_input_tokens: 7,
          cache_creation_input_tokens: 0,
        },
      }),
    );
    expect(await read(body, 'application/json', undefined, 5)).toEqual({
      inputTokens: 10,
      outputTokens: 3,
      cacheReadTokens: 7,
      cacheWriteTokens: 0,
    });
  });

  it('reads the final OpenAI chat chunk usage and counts cached prompt tokens as cache reads', async () => {
    const body = sse([
      { data: { id: 'c', choices: [{ delta: { content: 'hi' } }], usage: null } },
      {
        data: {
          id: 'c',
          choices: [],
          usage: {
            prompt_tokens: 1000,
            completion_tokens: 20,
            prompt_tokens_details: { cached_tokens: 800 },
          },
        },
      },
      { data: '[DONE]' },
    ]);
    expect(await read(body, SSE, undefined, 3)).toEqual({
      inputTokens: 200,
      outputTokens: 20,
      cacheReadTokens: 800,
      cacheWriteTokens: 0,
    });
  });

  it('reads Responses usage from response.completed', async () => {
    const body = sse([
      { event: 'response.created', data: { type: 'response.created', response: { id: 'r', usage: null } } },
      {
        event: 'response.completed',
        data: {
          type: 'response.completed',
          response: {
            id: 'r',
            usage: {
              input_tokens: 500,
              input_tokens_details: { cached_tokens: 100 },
              output_tokens: 9,
              total_tokens: 509,
            },
          },
        },
      },
    ]);
    expect(await read(body, SSE, undefined, 11)).toEqual({
      inputTokens: 400,
      outputTokens: 9,
      cacheReadTokens: 100,
      cacheWriteTokens: 0,
    });
  });

  it('reads usage from gzip and brotli bodies without needing the client to get decoded bytes', async () => {
    const expected = { inputTokens: 120, outputTokens: 42, cacheReadTokens: 5000, cacheWriteTokens: 300 };
    expect(await read(gzipSync(anthropicStream), SSE, 'gzip', 10)).toEqual(expected);
    expect(await read(brotliCompressSync(anthropicStream), SSE, 'br', 10)).toEqual(expected);
  });

  it('reports no usage for error pages, unknown encodings and truncated compressed bodies', async () => {
    expect(await read(Buffer.from('<html>bad gateway</html>'), 'text/html')).toBeUndefined();
    expect(await read(anthropicStream, SSE, 'zstd')).toBeUndefined();
    const gz = gzipSync(anthropicStream);
    expect(await read(gz.subarray(0, 20), SSE, 'gzip')).toBeUndefined();
  });

  it('handles CRLF line endings and a last event without a trailing blank line', async () => {
    const text =
      'event: message_start\r\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\r\n\r\n' +
      'event: message_delta\r\ndata: {"type":"message_delta","usage":{"output_tokens":8}}';
    expect(await read(Buffer.from(text), SSE, undefined, 4)).toEqual({
      inputTokens: 3,
      outputTokens: 8,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });
});
