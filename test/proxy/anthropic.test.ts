import { readFile } from 'node:fs/promises';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAnthropicOptions } from '../helpers/fake-anthropic.js';
import { splitBytes, sse } from '../helpers/fake-server.js';
import { bigTestLog, type Harness, startHarness } from '../helpers/proxy-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(anthropic: FakeAnthropicOptions = {}) {
  h = await startHarness({ anthropic });
  const client = new Anthropic({
    apiKey: 'sk-ant-test-key',
    baseURL: h.proxy.url,
    maxRetries: 0,
    defaultHeaders: { 'anthropic-beta': 'prompt-caching-2024-07-31' },
  });
  return { h, client };
}

const MODEL = 'claude-sonnet-4-6';

describe('Anthropic through the proxy (real SDK, fake provider)', () => {
  it('answers a non-streaming call exactly as the provider did and forwards auth and version headers', async () => {
    const { h, client } = await setup({ replies: [{ kind: 'text', text: 'Bonjour, ça va ✓' }] });
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'Bonjour, ça va ✓' }]);
    expect(msg.id).toMatch(/^msg_fake/);
    const [req] = h.anthropic.messageRequests();
    expect(req!.headers.authorization).toBe('Bearer sk-ant-test-key');
    expect(req!.headers['anthropic-version']).toBeDefined();
    expect(req!.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(req!.headers['user-agent']).toMatch(/Anthropic\/JS/);
    expect(Object.keys(req!.headers).filter((k) => k.includes('headroom'))).toEqual([]);
    const [entry] = await h.waitForEntries(1);
    expect(entry).toMatchObject({
      provider: 'anthropic',
      model: MODEL,
      agent: 'anthropic-sdk',
      status: 200,
      path: '/v1/messages',
    });
    expect(entry!.usage?.outputTokens).toBe(12);
  });

  it('streams text, thinking and signature deltas and citations to the SDK', async () => {
    const { client } = await setup({
      replies: [
        {
          kind: 'text',
          text: 'The answer is 42 — 答え 🎉',
          thinking: { thinking: 'Let me think… 考える', signature: 'EqQBCkYIARgCIkB' },
          citation: 'cited',
        },
      ],
    });
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'q' }],
    });
    const kinds: string[] = [];
    stream.on('streamEvent', (event) => {
      kinds.push(event.type === 'content_block_delta' ? event.delta.type : event.type);
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toEqual({
      type: 'thinking',
      thinking: 'Let me think… 考える',
      signature: 'EqQBCkYIARgCIkB',
    });
    expect(final.content[1]).toMatchObject({ type: 'text', text: 'The answer is 42 — 答え 🎉' });
    expect(kinds).toContain('thinking_delta');
    expect(kinds).toContain('signature_delta');
    expect(kinds).toContain('citations_delta');
    expect(kinds.at(-1)).toBe('message_stop');
  });

  it('relays SSE bytes unchanged when the provider cuts them mid-event and mid-character', async () => {
    const events = sse([
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: 'msg_x',
            type: 'message',
            role: 'assistant',
            model: MODEL,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: {
              input_tokens: 10,
              output_tokens: 1,
              cache_read_input_tokens: 900,
              cache_creation_input_tokens: 50,
            },
          },
        },
      },
      { event: 'ping', data: { type: 'ping' } },
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      },
      {
        event: 'content_block_delta',
        data: {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: 'ünïcödé 日本語 🎉🎉' },
        },
      },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: 7 },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
    const chunks = splitBytes(events, 3);
    const { h } = await setup({
      replies: [
        { kind: 'raw', reply: { headers: { 'content-type': 'text/event-stream' }, chunks, delayMs: 1 } },
      ],
    });
    const res = await fetch(`${h.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    expect(Buffer.from(await res.arrayBuffer()).equals(events)).toBe(true);
    const [entry] = await h.waitForEntries(1);
    expect(entry!.usage).toEqual({
      inputTokens: 10,
      outputTokens: 7,
      cacheReadTokens: 900,
      cacheWriteTokens: 50,
    });
  });

  it('lets the SDK parse a stream whose every event is split into 5-byte pieces', async () => {
    const text = 'Ça marche: 日本語のテキスト and emoji 🎉🚀 done';
    const { client } = await setup({ chunkSize: 5, delayMs: 0, replies: [{ kind: 'text', text }] });
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'q' }],
    });
    let streamed = '';
    stream.on('text', (t) => {
      streamed += t;
    });
    await stream.finalMessage();
    expect(streamed).toBe(text);
  });

  it('completes a tool-use round trip: streamed tool input, then a big tool result sent compressed and retrievable', async () => {
    const { h, client } = await setup({
      replies: [
        { kind: 'tool_use', name: 'Bash', input: { command: 'npm test', description: 'Run the tests' } },
        { kind: 'text', text: 'The invoice test fails on rounding.' },
      ],
    });
    const tools: Anthropic.Tool[] = [
      {
        name: 'Bash',
        description: 'Run a command',
        input_schema: { type: 'object', properties: { command: { type: 'string' } } },
      },
    ];
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'Run the tests and tell me what fails.' },
    ];
    const first = await client.messages
      .stream({ model: MODEL, max_tokens: 256, tools, messages })
      .finalMessage();
    const call = first.content.find((b) => b.type === 'tool_use');
    expect(call).toMatchObject({
      type: 'tool_use',
      name: 'Bash',
      input: { command: 'npm test', description: 'Run the tests' },
    });
    const log = bigTestLog(3000);
    messages.push({ role: 'assistant', content: first.content });
    messages.push({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: call!.type === 'tool_use' ? call!.id : '', content: log },
      ],
    });
    const second = await client.messages
      .stream({ model: MODEL, max_tokens: 256, tools, messages })
      .finalMessage();
    expect(second.content).toEqual([{ type: 'text', text: 'The invoice test fails on rounding.' }]);

    const sent = h.anthropic
      .messageRequests()[1]!
      .json<{ messages: Anthropic.MessageParam[]; tools: unknown }>();
    expect(sent.tools).toEqual(tools);
    const result = (sent.messages[2]!.content as Anthropic.ToolResultBlockParam[])[0]!;
    expect(result.tool_use_id).toBe(call!.type === 'tool_use' ? call!.id : '');
    const compressed = result.content as string;
    expect(compressed.length).toBeLessThan(log.length / 2);
    expect(compressed).toContain('Error: expected 10.05 to equal 10.06');
    const match = /hash=([0-9a-f]+)\b[^\n]*?full output: (\S+\.txt)/.exec(compressed);
    expect(match).not.toBeNull();
    expect(await readFile(match![2]!, 'utf8')).toBe(log);
    const retrieved = await fetch(`${h.proxy.url}/v1/headroom/retrieve/${match![1]}`);
    expect(await retrieved.text()).toBe(log);
    const entries = await h.waitForEntries(2);
    expect(entries[1]!.tokensSaved).toBeGreaterThan(0);
    expect(entries[1]!.passthroughReason).toBeUndefined();
  });

  it('returns upstream 429 and 529 errors as they came, retry-after included', async () => {
    const { h, client } = await setup({
      replies: [
        {
          kind: 'error',
          status: 429,
          type: 'rate_limit_error',
          message: 'Number of requests has exceeded your rate limit',
          headers: { 'retry-after': '17' },
        },
        { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
      ],
    });
    const call = () =>
      client.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] });
    const rate = await call().catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(Anthropic.RateLimitError);
    expect((rate as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('17');
    expect((rate as InstanceType<typeof Anthropic.RateLimitError>).error).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
    });
    const overloaded = await call().catch((e: unknown) => e);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    const entries = await h.waitForEntries(2);
    expect(entries.map((e) => e.status)).toEqual([429, 529]);
  });

  it('claims no saving for a call the provider refused: the retry is the call that is billed', async () => {
    const { h } = await setup({
      replies: [
        { kind: 'error', status: 429, type: 'rate_limit_error', message: 'Slow down' },
        { kind: 'text', text: 'ok' },
      ],
    });
    const body = JSON.stringify({
      model: MODEL,
      max_tokens: 8,
      messages: [
        { role: 'user', content: 'Which test fails?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: bigTestLog(3000) }] },
      ],
    });
    const send = () =>
      fetch(`${h.proxy.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'sk-ant-test',
          'anthropic-version': '2023-06-01',
        },
        body,
      });
    expect((await send()).status).toBe(429);
    expect((await send()).status).toBe(200);
    const [refused, billed] = await h.waitForEntries(2);
    expect(refused).toMatchObject({ status: 429, passthroughReason: 'refused', tokensSaved: 0 });
    expect(refused!.tokensAfter).toBe(refused!.tokensBefore);
    expect(billed!.passthroughReason).toBeUndefined();
    expect(billed!.tokensSaved).toBeGreaterThan(0);
    expect(h.proxy.stats().compressedRequests).toBe(1);
    // The refused call still went out compressed, as its retry does (the same bytes for the prompt cache).
    expect(h.anthropic.requests[0]!.body).toEqual(h.anthropic.requests[1]!.body);
  });

  it('hands a mid-stream error event to the SDK as an error', async () => {
    const { client } = await setup({ replies: [{ kind: 'stream-error', text: 'partial answer' }] });
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 8,
      messages: [{ role: 'user', content: 'x' }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    const { h, client } = await setup({ replies: [{ kind: 'hang', text: 'this stream never ends' }] });
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 8,
      messages: [{ role: 'user', content: 'x' }],
    });
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));
    stream.abort();
    await expect(stream.done()).rejects.toThrow();
    expect(await h.anthropic.messageRequests()[0]!.outcome).toBe('aborted');
    const [entry] = await h.waitForEntries(1);
    expect(entry!.status).toBe(200);
  });

  it('aborts the upstream request when the client gives up before the provider answers', async () => {
    const { h } = await setup({ replies: [{ kind: 'raw', reply: { headDelayMs: 3000, body: '{}' } }] });
    const controller = new AbortController();
    const pending = fetch(`${h.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      signal: controller.signal,
    });
    while (h.anthropic.messageRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(await h.anthropic.messageRequests()[0]!.outcome).toBe('aborted');
    const [entry] = await h.waitForEntries(1);
    expect(entry!.status).toBe(499);
  });

  it('keeps query strings such as ?beta=true and passes count_tokens, models and HEAD / through', async () => {
    const { h, client } = await setup();
    // Claude Code's request line; this SDK version no longer adds the query itself.
    const res = await fetch(`${h.proxy.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'k',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'context-1m-2025-08-07',
      },
      body: JSON.stringify({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(h.anthropic.messageRequests()[0]!.url).toBe('/v1/messages?beta=true');
    expect(h.anthropic.messageRequests()[0]!.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
    expect(h.anthropic.messageRequests()[0]!.headers['x-api-key']).toBe('k');
    const counted = await client.messages.countTokens({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello there' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const models = await client.models.list();
    expect(models.data[0]!.id).toBe('claude-sonnet-4-6');
    const head = await fetch(`${h.proxy.url}/`, {
      method: 'HEAD',
      headers: { 'user-agent': 'claude-cli/2.1.197 (external, cli)' },
    });
    expect(head.status).toBe(200);
    expect(h.anthropic.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/messages',
      'POST /v1/messages/count_tokens',
      'GET /v1/models',
      'HEAD /',
    ]);
    await h.waitForEntries(1);
    expect(h.proxy.stats()).toMatchObject({ requests: 1, otherRequests: 3 });
  });
});
