import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/compress/hash.js';
import { withHeadroom } from '../../../src/sdk/openai/index.js';
import { type FakeOpenAI, type OpenAIReply, startFakeOpenAI } from '../../helpers/fake-openai.js';
import { apiRecords, testLog } from '../../helpers/outputs.js';

const NEEDLE = 'AssertionError: expected 90 to be 81';
const TOOLS: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'shell',
      description: 'Run a command',
      parameters: { type: 'object', properties: { cmd: { type: 'string' } } },
    },
  },
];

function chatConversation(log = testLog()): OpenAI.ChatCompletionMessageParam[] {
  return [
    { role: 'user', content: 'Run the tests and tell me which one fails.' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_sh_1', type: 'function', function: { name: 'shell', arguments: '{"cmd":"npm test"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_sh_1', content: log },
  ];
}

function responsesInput(output = apiRecords(450)): OpenAI.Responses.ResponseInputItem[] {
  return [
    { role: 'user', content: 'Which service is failing? Also show needle-service.' },
    { type: 'function_call', call_id: 'call_api_1', name: 'list_services', arguments: '{}' },
    { type: 'function_call_output', call_id: 'call_api_1', output },
  ];
}

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function client(replies: OpenAIReply[]): Promise<OpenAI> {
  fake = await startFakeOpenAI({ replies });
  return new OpenAI({ apiKey: 'test-key', baseURL: `${fake.url}/v1`, maxRetries: 0 });
}

/** The model asking for the original behind `hash` (a chat tool call or a Responses function call). */
const retrieveCall = (hash: string, callId: string): OpenAIReply => ({
  kind: 'tool_call',
  name: 'headroom_retrieve',
  arguments: JSON.stringify({ hash }),
  callId,
});

const chatSent = (n: number) => fake!.requests[n]!.json<OpenAI.ChatCompletionCreateParams>();
const responsesSent = (n: number) => fake!.requests[n]!.json<OpenAI.Responses.ResponseCreateParams>();

describe('withHeadroom(OpenAI) chat completions', () => {
  it('sends a big tool message compressed, with a marker, keeping the failing test', async () => {
    const wrapped = withHeadroom(await client([{ kind: 'text', text: 'The discount test fails.' }]));
    const completion = await wrapped.chat.completions.create({
      model: 'gpt-4o',
      tools: TOOLS,
      messages: chatConversation(),
    });

    expect(completion.choices[0]!.message.content).toBe('The discount test fails.');
    const sent = chatSent(0);
    const text = sent.messages[2]!.content as string;
    expect(text).toContain(NEEDLE);
    expect(text).toMatch(
      /\[headroom: kept \d+ of 1,213 lines \(log\) · hash=[0-9a-f]{12} · headroom_retrieve hash=[0-9a-f]{12}\]$/,
    );
    expect(sent.tools!.map((t) => (t.type === 'function' ? t.function.name : t.type))).toEqual([
      'shell',
      'headroom_retrieve',
    ]);
    expect(wrapped.headroom.stats()).toMatchObject({ requests: 1, compressedRequests: 1 });
  });

  it('compresses streaming calls and passes the chunks through', async () => {
    const wrapped = withHeadroom(await client([{ kind: 'text', text: 'Streamed answer.' }]));
    const stream = await wrapped.chat.completions.create({
      model: 'gpt-4o',
      messages: chatConversation(),
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Streamed answer.');
    expect(chatSent(0).messages[2]!.content).toContain('[headroom: kept');
    expect(chatSent(0).stream).toBe(true);
  });

  it('answers the model’s headroom_retrieve call itself and returns only the final answer', async () => {
    const log = testLog();
    const wrapped = withHeadroom(
      await client([
        retrieveCall(contentHash(log), 'call_r1'),
        { kind: 'text', text: 'invoice.test.ts:42 fails.' },
      ]),
    );
    const completion = await wrapped.chat.completions.create({
      model: 'gpt-4o',
      tools: TOOLS,
      messages: chatConversation(log),
    });

    expect(completion.choices[0]!.message).toMatchObject({ content: 'invoice.test.ts:42 fails.' });
    expect(completion.choices[0]!.message.tool_calls).toBeUndefined();
    const followUp = chatSent(1);
    expect(followUp.messages.slice(0, 3)).toEqual(chatSent(0).messages);
    expect(followUp.messages[3]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_r1' }] });
    expect(followUp.messages[4]).toEqual({ role: 'tool', tool_call_id: 'call_r1', content: log });
    expect(wrapped.headroom.stats().retrievals).toBe(1);
  });

  it('counts a call the SDK retried (after a 429) once, with the tokens of one call', async () => {
    fake = await startFakeOpenAI({
      replies: [
        { kind: 'error', status: 429, message: 'slow', headers: { 'retry-after-ms': '0' } },
        { kind: 'text', text: 'done' },
      ],
    });
    const once = withHeadroom(new OpenAI({ apiKey: 'k', baseURL: `${fake.url}/v1`, maxRetries: 0 }));
    const retried = withHeadroom(new OpenAI({ apiKey: 'k', baseURL: `${fake.url}/v1`, maxRetries: 1 }));
    await retried.chat.completions.create({ model: 'gpt-4o', messages: chatConversation() });
    expect(fake.requests).toHaveLength(2);
    await once.chat.completions.create({ model: 'gpt-4o', messages: chatConversation() });
    expect(retried.headroom.stats()).toEqual(once.headroom.stats());
    expect(retried.headroom.stats()).toMatchObject({ requests: 1, compressedRequests: 1 });
  });

  it('keeps headroom in clones made with withOptions, around the caller’s own fetch', async () => {
    const wrapped = withHeadroom(await client([{ kind: 'text', text: 'ok' }]));
    const seen: string[] = [];
    const clone = wrapped.withOptions({
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    await clone.chat.completions.create({ model: 'gpt-4o', messages: chatConversation() });
    expect(seen).toHaveLength(1);
    expect(chatSent(0).messages[2]!.content).toContain('[headroom: kept');
    expect(clone.headroom).toBe(wrapped.headroom);
  });
});

describe('withHeadroom(OpenAI) responses', () => {
  it('sends a big function_call_output compressed, keeping the items the user asked about', async () => {
    const wrapped = withHeadroom(await client([{ kind: 'text', text: 'svc-1233 is failing.' }]));
    const response = await wrapped.responses.create({ model: 'gpt-4o', input: responsesInput() });

    expect(response.output_text).toBe('svc-1233 is failing.');
    const input = responsesSent(0).input as OpenAI.Responses.ResponseInputItem[];
    const output = (input[2] as OpenAI.Responses.ResponseInputItem.FunctionCallOutput).output as string;
    expect(output.length).toBeLessThan(apiRecords(450).length / 4);
    expect(output).toContain('needle-service');
    expect(output).toContain('failed');
    expect(output).toMatch(/hash=[0-9a-f]{12} · headroom_retrieve hash=[0-9a-f]{12}\]$/);
    expect(responsesSent(0).tools).toEqual([
      expect.objectContaining({ type: 'function', name: 'headroom_retrieve', strict: false }),
    ]);
  });

  it('compresses streaming calls and passes the events through', async () => {
    const wrapped = withHeadroom(await client([{ kind: 'text', text: 'Streamed.' }]));
    const stream = await wrapped.responses.create({ model: 'gpt-4o', input: responsesInput(), stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    // Every event the provider streamed, in order ('Streamed.' arrives in three deltas).
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const input = responsesSent(0).input as OpenAI.Responses.ResponseInputItem[];
    expect((input[2] as { output: string }).output).toContain('headroom_retrieve hash=');
  });

  it('answers the model’s headroom_retrieve call itself and returns only the final answer', async () => {
    const records = apiRecords(450);
    const wrapped = withHeadroom(
      await client([
        retrieveCall(contentHash(records), 'call_r1'),
        { kind: 'text', text: 'All 450 checked.' },
      ]),
    );
    const response = await wrapped.responses.create({ model: 'gpt-4o', input: responsesInput(records) });

    expect(response.output_text).toBe('All 450 checked.');
    const input = responsesSent(1).input as OpenAI.Responses.ResponseInputItem[];
    expect(input).toHaveLength(5);
    expect(input[3]).toMatchObject({ type: 'function_call', call_id: 'call_r1', name: 'headroom_retrieve' });
    expect(input[4]).toEqual({ type: 'function_call_output', call_id: 'call_r1', output: records });
  });

  it('continues from the provider’s stored response when the call used previous_response_id', async () => {
    const records = apiRecords(450);
    const wrapped = withHeadroom(
      await client([retrieveCall(contentHash(records), 'call_r2'), { kind: 'text', text: 'done' }]),
    );
    await wrapped.responses.create({
      model: 'gpt-4o',
      previous_response_id: 'resp_earlier',
      input: responsesInput(records),
    });
    const followUp = responsesSent(1);
    expect(followUp.previous_response_id).toMatch(/^resp_fake_/);
    expect(followUp.input).toEqual([{ type: 'function_call_output', call_id: 'call_r2', output: records }]);
  });
});
