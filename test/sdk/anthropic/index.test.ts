import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/compress/hash.js';
import { withHeadroom } from '../../../src/sdk/anthropic/index.js';
import { SharedContext } from '../../../src/sdk/shared-context.js';
import { type AnthropicReply, type FakeAnthropic, startFakeAnthropic } from '../../helpers/fake-anthropic.js';
import { testLog } from '../../helpers/outputs.js';

const NEEDLE = 'AssertionError: expected 90 to be 81';
const MODEL = 'claude-sonnet-4-6';
const TOOLS: Anthropic.Tool[] = [
  {
    name: 'Bash',
    description: 'Run a shell command',
    input_schema: { type: 'object', properties: { command: { type: 'string' } } },
  },
];

function conversation(log = testLog()): Anthropic.MessageParam[] {
  return [
    { role: 'user', content: 'Run the tests and tell me which one fails.' },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_bash_1', name: 'Bash', input: { command: 'npm test' } }],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_bash_1', content: log }] },
  ];
}

type Sent = Anthropic.MessageCreateParams;

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function client(replies: AnthropicReply[]): Promise<Anthropic> {
  fake = await startFakeAnthropic({ replies });
  return new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 });
}

/** The model asking for the original behind `hash` in a tool_use block with id `id`. */
const retrieveCall = (hash: string, id: string): AnthropicReply => ({
  kind: 'tool_use',
  name: 'headroom_retrieve',
  input: { hash },
  id,
});

const sent = (n: number) => fake!.requests[n]!.json<Sent>();
const toolResultText = (body: Sent, message: number) => {
  const block = (
    body.messages[message]!.content as Anthropic.ContentBlockParam[]
  )[0] as Anthropic.ToolResultBlockParam;
  return block.content as string;
};

describe('withHeadroom(Anthropic)', () => {
  it('sends a big tool result compressed, with a marker, keeping the failing test', async () => {
    const wrapped = withHeadroom(await client([{ kind: 'text', text: 'The discount test fails.' }]));
    const messages = conversation();
    const before = JSON.stringify(messages);
    const message = await wrapped.messages.create({ model: MODEL, max_tokens: 512, tools: TOOLS, messages });

    expect(message.content[0]).toMatchObject({ type: 'text', text: 'The discount test fails.' });
    const text = toolResultText(sent(0), 2);
    expect(text.length).toBeLessThan(testLog().length / 5);
    expect(text).toContain(NEEDLE);
    expect(text).toMatch(
      /\[headroom: kept \d+ of 1,213 lines \(log\) · hash=[0-9a-f]{12} · headroom_retrieve hash=[0-9a-f]{12}\]/,
    );
    expect(sent(0).tools!.map((t) => ('name' in t ? t.name : t.type))).toEqual(['Bash', 'headroom_retrieve']);
    expect(JSON.stringify(messages)).toBe(before);
  });

  it('compresses streaming calls and passes the events through', async () => {
    const wrapped = withHeadroom(
      await client([
        { kind: 'text', text: 'Streaming answer.' },
        { kind: 'text', text: 'Helper answer.' },
      ]),
    );
    const stream = await wrapped.messages.create({
      model: MODEL,
      max_tokens: 512,
      messages: conversation(),
      stream: true,
    });
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe('Streaming answer.');
    expect(toolResultText(sent(0), 2)).toContain(NEEDLE);
    expect(toolResultText(sent(0), 2)).toContain('[headroom: kept');

    const final = await wrapped.messages
      .stream({ model: MODEL, max_tokens: 512, messages: conversation() })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ text: 'Helper answer.' });
    expect(toolResultText(sent(1), 2)).toContain('[headroom: kept');
  });

  it('answers the model’s headroom_retrieve call itself and returns only the final answer', async () => {
    const log = testLog();
    const hash = contentHash(log);
    const wrapped = withHeadroom(
      await client([
        retrieveCall(hash, 'toolu_r1'),
        { kind: 'text', text: 'Line 42 of invoice.test.ts fails.' },
      ]),
    );
    const message = await wrapped.messages.create({
      model: MODEL,
      max_tokens: 512,
      tools: TOOLS,
      messages: conversation(log),
    });

    expect(message.content).toEqual([{ type: 'text', text: 'Line 42 of invoice.test.ts fails.' }]);
    expect(fake!.requests).toHaveLength(2);
    const followUp = sent(1);
    expect(followUp.messages).toHaveLength(5);
    expect(followUp.messages.slice(0, 3)).toEqual(sent(0).messages);
    expect(followUp.messages[3]).toMatchObject({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_r1', name: 'headroom_retrieve' }],
    });
    expect(followUp.messages[4]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_r1', content: log },
    ]);
    expect(followUp.tools).toEqual(sent(0).tools);
    expect(wrapped.headroom.stats()).toMatchObject({ requests: 1, retrievals: 1 });
  });

  it('answers a retrieval call from a stream on the caller’s next request', async () => {
    const log = testLog();
    const hash = contentHash(log);
    const wrapped = withHeadroom(
      await client([retrieveCall(hash, 'toolu_r2'), { kind: 'text', text: 'done' }]),
    );
    const first = await wrapped.messages
      .stream({ model: MODEL, max_tokens: 512, tools: TOOLS, messages: conversation(log) })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content[0]).toMatchObject({ type: 'tool_use', name: wrapped.headroom.toolName });

    // The caller does not know the tool and answers it with an error, as many agent loops do.
    const next: Anthropic.MessageParam[] = [
      ...conversation(log),
      { role: 'assistant', content: first.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_r2', content: 'unknown tool', is_error: true }],
      },
    ];
    await wrapped.messages.create({ model: MODEL, max_tokens: 512, tools: TOOLS, messages: next });
    expect(sent(1).messages[4]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_r2', content: log },
    ]);

    // Leaving it unanswered works too: the wrapper adds the result.
    await wrapped.messages.create({
      model: MODEL,
      max_tokens: 512,
      tools: TOOLS,
      messages: [
        ...conversation(log),
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'go on' },
      ],
    });
    expect(sent(2).messages[4]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_r2', content: log },
      { type: 'text', text: 'go on' },
    ]);
    expect(wrapped.headroom.answerRetrieval({ hash })).toBe(log);
  });

  it('sends every earlier byte of the conversation unchanged on the next turn', async () => {
    const wrapped = withHeadroom(
      await client([
        { kind: 'text', text: 'one' },
        { kind: 'text', text: 'two' },
      ]),
    );
    const turn1 = conversation();
    await wrapped.messages.create({ model: MODEL, max_tokens: 512, tools: TOOLS, messages: turn1 });
    const turn2: Anthropic.MessageParam[] = [
      ...turn1,
      { role: 'assistant', content: 'one' },
      { role: 'user', content: 'Thanks. Anything else failing?' },
    ];
    await wrapped.messages.create({ model: MODEL, max_tokens: 512, tools: TOOLS, messages: turn2 });
    expect(JSON.stringify(sent(1).tools)).toBe(JSON.stringify(sent(0).tools));
    const prefix = JSON.stringify(sent(0).messages).slice(0, -1);
    expect(JSON.stringify(sent(1).messages).startsWith(prefix)).toBe(true);
  });

  it('sends a request with nothing to compress byte for byte as the SDK built it', async () => {
    const plain = await client([{ kind: 'text', text: 'hi' }]);
    const small: Anthropic.MessageCreateParams = {
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hello' }],
    };
    await plain.messages.create(small);
    await withHeadroom(plain).messages.create(small);
    expect(fake!.requests[1]!.body.toString('utf8')).toBe(fake!.requests[0]!.body.toString('utf8'));
  });

  it('counts the session’s savings per model', async () => {
    const wrapped = withHeadroom(await client([{ kind: 'text', text: 'a' }]));
    await wrapped.messages.create({ model: MODEL, max_tokens: 512, tools: TOOLS, messages: conversation() });
    await wrapped.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 512,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const stats = wrapped.headroom.stats();
    expect(stats.requests).toBe(2);
    expect(stats.compressedRequests).toBe(1);
    expect(stats.tokensSaved).toBe(stats.tokensBefore - stats.tokensAfter);
    expect(stats.tokensSaved).toBeGreaterThan(5000);
    expect(Object.keys(stats.byModel).sort()).toEqual(['claude-haiku-4-5', MODEL]);
    expect(stats.byModel['claude-haiku-4-5']).toMatchObject({ requests: 1, tokensSaved: 0 });
  });

  it('counts a call the SDK retried (after a 429) once, with the tokens of one call', async () => {
    fake = await startFakeAnthropic({
      replies: [
        {
          kind: 'error',
          status: 429,
          type: 'rate_limit_error',
          message: 'slow',
          headers: { 'retry-after': '0' },
        },
        { kind: 'text', text: 'done' },
      ],
    });
    const once = withHeadroom(new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 }));
    const retried = withHeadroom(new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 1 }));
    await retried.messages.create({ model: MODEL, max_tokens: 512, messages: conversation() });
    expect(fake.requests).toHaveLength(2);
    await once.messages.create({ model: MODEL, max_tokens: 512, messages: conversation() });
    expect(retried.headroom.stats()).toEqual(once.headroom.stats());
    expect(retried.headroom.stats()).toMatchObject({ requests: 1, compressedRequests: 1 });
  });

  it('answers retrieval calls for markers in a SharedContext it was given', async () => {
    const context = new SharedContext();
    const log = testLog();
    const put = await context.put('test-run', log, { agent: 'runner' });
    const wrapped = withHeadroom(
      await client([retrieveCall(put.hash!, 'toolu_fake_1'), { kind: 'text', text: 'ok' }]),
      {
        retrieval: { sources: [context] },
      },
    );
    await wrapped.messages.create({
      model: MODEL,
      max_tokens: 512,
      messages: [{ role: 'user', content: context.get('test-run')! }],
    });
    expect(sent(1).messages[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_fake_1', content: log },
    ]);
  });

  it('keeps compressing in clones made with withOptions', async () => {
    const wrapped = withHeadroom(await client([{ kind: 'text', text: 'a' }]));
    const clone = wrapped.withOptions({ timeout: 5000 });
    await clone.messages.create({ model: MODEL, max_tokens: 512, messages: conversation() });
    expect(toolResultText(sent(0), 2)).toContain('[headroom: kept');
    expect(clone.headroom.stats().requests).toBe(1);
  });

  it('keeps the original client as it was', async () => {
    const original = await client([
      { kind: 'text', text: 'one' },
      { kind: 'text', text: 'two' },
    ]);
    const middlewareBefore = original.middleware.length;
    const wrapped = withHeadroom(original);
    expect(original.middleware.length).toBe(middlewareBefore);
    expect('headroom' in original).toBe(false);
    await original.messages.create({ model: MODEL, max_tokens: 512, messages: conversation() });
    expect(toolResultText(sent(0), 2)).toBe(testLog());
    await wrapped.messages.create({ model: MODEL, max_tokens: 512, messages: conversation() });
    expect(toolResultText(sent(1), 2)).not.toBe(testLog());
  });
});
