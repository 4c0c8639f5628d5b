import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeOpenAIOptions } from '../helpers/fake-openai.js';
import { bigTestLog, type Harness, startHarness } from '../helpers/proxy-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(openai: FakeOpenAIOptions = {}) {
  h = await startHarness({ openai });
  const client = new OpenAI({ apiKey: 'sk-proj-test', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
  return { h, client };
}

const MODEL = 'gpt-5';

/** Codex's exec_command output as it sends it: a header, then the command's output. */
const codexOutput = (body: string) =>
  `Chunk ID: 3f2a\nWall time: 4.2 seconds\nProcess exited with code 1\nOriginal token count: 30000\nOutput:\n${body}`;

describe('OpenAI Chat Completions through the proxy (real SDK, fake provider)', () => {
  it('answers a non-streaming call and records usage with cached prompt tokens', async () => {
    const { h, client } = await setup({
      replies: [
        { kind: 'text', text: 'Hello ✓', usage: { inputTokens: 1200, cachedTokens: 1000, outputTokens: 5 } },
      ],
    });
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]!.message.content).toBe('Hello ✓');
    expect(res.id).toMatch(/^chatcmpl_fake/);
    const req = h.openai.modelRequests()[0]!;
    expect(req.headers.authorization).toBe('Bearer sk-proj-test');
    expect(req.headers['user-agent']).toMatch(/OpenAI\/JS/);
    const [entry] = await h.waitForEntries(1);
    expect(entry).toMatchObject({
      provider: 'openai',
      agent: 'openai-sdk',
      model: MODEL,
      path: '/v1/chat/completions',
    });
    expect(entry!.usage).toEqual({
      inputTokens: 200,
      outputTokens: 5,
      cacheReadTokens: 1000,
      cacheWriteTokens: 0,
    });
  });

  it('streams chunks through to [DONE] and reads usage from the final chunk', async () => {
    const { h, client } = await setup({
      chunkSize: 7,
      replies: [
        { kind: 'text', text: 'streamed 日本語 🎉 text', usage: { inputTokens: 50, outputTokens: 4 } },
      ],
    });
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('streamed 日本語 🎉 text');
    expect(usage?.prompt_tokens).toBe(50);
    const [entry] = await h.waitForEntries(1);
    expect(entry!.usage).toEqual({
      inputTokens: 50,
      outputTokens: 4,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('completes a tool-call round trip with a big tool message sent compressed and retrievable', async () => {
    const { h, client } = await setup({
      replies: [
        { kind: 'tool_call', name: 'shell', arguments: JSON.stringify({ command: ['npm', 'test'] }) },
        { kind: 'text', text: 'One test fails.' },
      ],
    });
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'shell',
          parameters: { type: 'object', properties: { command: { type: 'array' } } },
        },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are a coding agent.' },
      { role: 'user', content: 'Run the tests.' },
    ];
    const stream = client.chat.completions.stream({ model: MODEL, messages, tools });
    const first = await stream.finalChatCompletion();
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({
      command: ['npm', 'test'],
    });
    const log = bigTestLog(2500, 1);
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: log });
    const second = await client.chat.completions.create({ model: MODEL, messages, tools });
    expect(second.choices[0]!.message.content).toBe('One test fails.');

    const sent = h.openai
      .modelRequests()[1]!
      .json<{ messages: { role: string; content: string; tool_call_id?: string }[] }>();
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'You are a coding agent.' });
    const tool = sent.messages[3]!;
    expect(tool.tool_call_id).toBe(call.id);
    expect(tool.content.length).toBeLessThan(log.length / 2);
    const file = /full output: (\S+\.txt)/.exec(tool.content)?.[1];
    expect(await readFile(file!, 'utf8')).toBe(log);
  });

  it('returns 429 with retry-after as the provider sent it', async () => {
    const { client } = await setup({
      replies: [
        {
          kind: 'error',
          status: 429,
          message: 'Rate limit reached',
          type: 'requests',
          code: 'rate_limit_exceeded',
          headers: { 'retry-after': '3' },
        },
      ],
    });
    const error = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('3');
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
  });

  it('hands a mid-stream error to the SDK as an error', async () => {
    const { client } = await setup({ replies: [{ kind: 'stream-error', text: 'partial' }] });
    const consume = async () => {
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      });
      for await (const _ of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/server had an error/);
  });

  it('relays the closing data: [DONE] line byte for byte', async () => {
    const { h } = await setup({ chunkSize: 3 });
    const res = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-proj-test' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text.match(/^data: /gm)!.length).toBeGreaterThan(3);
  });

  it('passes GET /v1/models through', async () => {
    const { client } = await setup();
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-5']);
  });
});

describe('OpenAI Responses API through the proxy', () => {
  it('streams a Responses call and reads usage from response.completed', async () => {
    const { h, client } = await setup({
      replies: [
        { kind: 'text', text: 'résumé ✓', usage: { inputTokens: 900, cachedTokens: 400, outputTokens: 3 } },
      ],
    });
    const stream = client.responses.stream({ model: MODEL, input: 'hi', instructions: 'Be brief.' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('résumé ✓');
    const [entry] = await h.waitForEntries(1);
    expect(entry).toMatchObject({ path: '/v1/responses', passthroughReason: 'nothing-to-compress' });
    expect(entry!.usage).toEqual({
      inputTokens: 500,
      outputTokens: 3,
      cacheReadTokens: 400,
      cacheWriteTokens: 0,
    });
  });

  it('compresses a Codex-style function_call_output and keeps instructions and tools untouched', async () => {
    const { h, client } = await setup({
      replies: [
        { kind: 'tool_call', name: 'exec_command', arguments: JSON.stringify({ cmd: 'npm test' }) },
        { kind: 'text', text: 'Fixed.' },
      ],
    });
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'function',
        name: 'exec_command',
        strict: false,
        parameters: { type: 'object', properties: { cmd: { type: 'string' } } },
      },
    ];
    const input: OpenAI.Responses.ResponseInputItem[] = [
      { role: 'user', content: 'Run the tests and fix them.' },
    ];
    const first = await client.responses.create({
      model: MODEL,
      input,
      tools,
      instructions: 'You are Codex.',
    });
    const call = first.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'exec_command' });
    const output = codexOutput(bigTestLog(2500, 2));
    const callId = call!.type === 'function_call' ? call!.call_id : '';
    input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), {
      type: 'function_call_output',
      call_id: callId,
      output,
    });
    const second = await client.responses
      .stream({ model: MODEL, input, tools, instructions: 'You are Codex.' })
      .finalResponse();
    expect(second.output_text).toBe('Fixed.');

    const sent = h.openai.modelRequests()[1]!.json<{
      instructions: string;
      tools: unknown;
      input: { type?: string; output?: string; call_id?: string }[];
    }>();
    expect(sent.instructions).toBe('You are Codex.');
    expect(sent.tools).toEqual(tools);
    const item = sent.input.find((i) => i.type === 'function_call_output')!;
    expect(item.call_id).toBe(callId);
    expect(item.output!.length).toBeLessThan(output.length / 2);
    const file = /full output: (\S+\.txt)/.exec(item.output!)?.[1];
    expect(await readFile(file!, 'utf8')).toBe(output);
    const entries = await h.waitForEntries(2);
    expect(entries[1]!.tokensSaved).toBeGreaterThan(0);
  });

  it('hands a mid-stream Responses error event to the SDK as an error', async () => {
    const { client } = await setup({ replies: [{ kind: 'stream-error', text: 'partial' }] });
    await expect(client.responses.stream({ model: MODEL, input: 'x' }).finalResponse()).rejects.toThrow(
      /server had an error/,
    );
  });

  it('answers a WebSocket upgrade with 426 at once when the upstream does not speak it, so Codex uses HTTP', async () => {
    const { h } = await setup();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${h.proxy.url}/v1/responses`, {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => reject(new Error('the proxy accepted the upgrade')));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(426);
    // The upgrade was offered upstream first (this fake answers it as a plain GET: 404).
    expect(h.openai.requests.map((r) => `${r.method} ${r.path} ${r.headers.upgrade}`)).toEqual([
      'GET /v1/responses websocket',
    ]);
  });
});
