import { ChatAnthropic } from '@langchain/anthropic';
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withHeadroom } from '../../../src/sdk/langchain/index.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../helpers/fake-anthropic.js';
import { type FakeOpenAI, type OpenAIReply, startFakeOpenAI } from '../../helpers/fake-openai.js';
import { apiRecords, testLog } from '../../helpers/outputs.js';

const NEEDLE = 'AssertionError: expected 90 to be 81';
const MARKER = /\[headroom: [^\]]*hash=([0-9a-f]{12})/;

const shell = tool(async ({ cmd }) => `ran ${cmd}`, {
  name: 'shell',
  description: 'Run a command',
  schema: z.object({ cmd: z.string() }),
});

/** A conversation where the test run came back as one big tool message. */
function conversation(log = testLog()): BaseMessage[] {
  return [
    new HumanMessage('Run the tests and tell me which one fails.'),
    new AIMessage({
      content: '',
      tool_calls: [{ id: 'call_sh_1', name: 'shell', args: { cmd: 'npm test' } }],
    }),
    new ToolMessage({ content: log, tool_call_id: 'call_sh_1', name: 'shell' }),
  ];
}

let openai: FakeOpenAI | undefined;
let anthropic: FakeAnthropic | undefined;
afterEach(async () => {
  await openai?.close();
  await anthropic?.close();
  openai = undefined;
  anthropic = undefined;
});

async function chatOpenAI(replies: OpenAIReply[]): Promise<ChatOpenAI> {
  openai = await startFakeOpenAI({ replies });
  return new ChatOpenAI({
    model: 'gpt-4o',
    apiKey: 'test-key',
    configuration: { baseURL: `${openai.url}/v1` },
    maxRetries: 0,
  });
}

interface ChatBody {
  messages: { role: string; content: unknown; tool_call_id?: string; tool_calls?: unknown[] }[];
  tools?: { function: { name: string } }[];
}
const chatSent = (n: number) => openai!.modelRequests()[n]!.json<ChatBody>();

describe('withHeadroom(ChatOpenAI)', () => {
  it('invoke: sends the big tool message compressed with its needle and a marker; the caller gets an AIMessage', async () => {
    const base = await chatOpenAI([{ kind: 'text', text: 'The discount test fails.' }]);
    const model = withHeadroom(base);
    const reply = await model.invoke(conversation());
    expect(reply).toBeInstanceOf(AIMessage);
    expect(reply.content).toBe('The discount test fails.');
    const sent = chatSent(0);
    const toolMessage = sent.messages[2]!;
    expect(toolMessage.role).toBe('tool');
    expect(toolMessage.tool_call_id).toBe('call_sh_1');
    expect(String(toolMessage.content)).toContain(NEEDLE);
    expect(String(toolMessage.content)).toMatch(MARKER);
    expect(String(toolMessage.content).length).toBeLessThan(testLog().length / 5);
    // The assistant's tool call goes out as it was.
    expect(sent.messages[1]!.tool_calls).toEqual([
      { id: 'call_sh_1', type: 'function', function: { name: 'shell', arguments: '{"cmd":"npm test"}' } },
    ]);
    expect(sent.tools?.map((t) => t.function.name)).toEqual(['headroom_retrieve']);
    const stats = model.headroom.stats();
    expect(stats.requests).toBe(1);
    expect(stats.compressedRequests).toBe(1);
    expect(stats.tokensSaved).toBeGreaterThan(5000);
    expect(stats.byModel['gpt-4o']?.requests).toBe(1);
    // The caller's model is left as it was.
    expect('headroom' in base).toBe(false);
  });

  it('stream: the answer streams back, the request was compressed', async () => {
    const model = withHeadroom(await chatOpenAI([{ kind: 'text', text: 'The discount test fails.' }]));
    let text = '';
    for await (const chunk of await model.stream(conversation())) text += chunk.text;
    expect(text).toBe('The discount test fails.');
    const sent = openai!.modelRequests()[0]!.json<ChatBody & { stream: boolean }>();
    expect(sent.stream).toBe(true);
    expect(String(sent.messages[2]!.content)).toContain(NEEDLE);
    expect(String(sent.messages[2]!.content)).toMatch(MARKER);
    expect(model.headroom.stats().requests).toBe(1);
  });

  it('streamEvents (ChatOpenAI streams its own events): the request was compressed once', async () => {
    const model = withHeadroom(await chatOpenAI([{ kind: 'text', text: 'ok events' }]));
    let text = '';
    for await (const event of model.streamEvents(conversation())) {
      if (event.event === 'content-block-delta' && event.delta.type === 'text-delta')
        text += event.delta.text;
    }
    expect(text).toBe('ok events');
    expect(String(chatSent(0).messages[2]!.content)).toMatch(MARKER);
    expect(model.headroom.stats().requests).toBe(1);
  });

  it('batch: every conversation is compressed', async () => {
    const model = withHeadroom(
      await chatOpenAI([
        { kind: 'text', text: 'one' },
        { kind: 'text', text: 'two' },
      ]),
    );
    const replies = await model.batch([conversation(), conversation(testLog(900))]);
    expect(replies.map((r) => r.content).sort()).toEqual(['one', 'two']);
    expect(model.headroom.stats().compressedRequests).toBe(2);
    for (const request of openai!.modelRequests()) {
      expect(String(request.json<ChatBody>().messages[2]!.content)).toMatch(MARKER);
    }
  });

  it('tool-call round trip through bindTools: tool calls come back parsed, ids and the tool message intact', async () => {
    const model = withHeadroom(
      await chatOpenAI([
        { kind: 'tool_call', callId: 'call_ls_1', name: 'shell', arguments: '{"cmd":"ls"}' },
        { kind: 'text', text: 'Two files.' },
      ]),
    );
    const bound = model.bindTools([shell]);
    const messages: BaseMessage[] = [new HumanMessage('What is here?')];
    const first = await bound.invoke(messages);
    expect(first.tool_calls).toEqual([
      { id: 'call_ls_1', name: 'shell', args: { cmd: 'ls' }, type: 'tool_call' },
    ]);
    messages.push(
      first,
      new ToolMessage({ content: 'a.ts\nb.ts\n', tool_call_id: 'call_ls_1', name: 'shell' }),
    );
    const second = await bound.invoke(messages);
    expect(second.content).toBe('Two files.');
    const sent = chatSent(1);
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(sent.messages[2]).toMatchObject({ tool_call_id: 'call_ls_1', content: 'a.ts\nb.ts\n' });
    // The caller's tool comes first, headroom's last, the same bytes on both requests.
    expect(chatSent(0).tools?.map((t) => t.function.name)).toEqual(['shell', 'headroom_retrieve']);
    expect(JSON.stringify(chatSent(1).tools)).toBe(JSON.stringify(chatSent(0).tools));
    expect(model.headroom.stats().requests).toBe(2);
  });

  it('retrieval: invoke answers headroom_retrieve with the original and returns the final answer', async () => {
    const model = withHeadroom(await chatOpenAI([]));
    const log = testLog();
    // First find the hash the marker will carry (same bytes, same hash: compression is deterministic).
    openai!.push({ kind: 'text', text: 'warm-up' });
    await model.invoke(conversation(log));
    const hash = MARKER.exec(String(chatSent(0).messages[2]!.content))![1]!;
    expect(model.headroom.retrieve(hash)).toBe(log);
    openai!.push(
      {
        kind: 'tool_call',
        callId: 'call_r_1',
        name: 'headroom_retrieve',
        arguments: JSON.stringify({ hash }),
      },
      { kind: 'text', text: 'Found it in the full log.' },
    );
    const reply = await model.invoke(conversation(log));
    expect(reply.content).toBe('Found it in the full log.');
    const round = chatSent(2);
    expect(round.messages.at(-2)!.tool_calls).toHaveLength(1);
    expect(round.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_r_1', content: log });
    expect(model.headroom.stats().retrievals).toBe(1);
  });

  it('streaming retrieval: an unanswered headroom_retrieve call is answered on the next request', async () => {
    const model = withHeadroom(await chatOpenAI([{ kind: 'text', text: 'warm-up' }]));
    const log = testLog();
    await model.invoke(conversation(log));
    const hash = MARKER.exec(String(chatSent(0).messages[2]!.content))![1]!;
    openai!.push({ kind: 'text', text: 'Now I see it.' });
    const messages = [
      ...conversation(log),
      new AIMessage({
        content: '',
        tool_calls: [{ id: 'call_r_9', name: 'headroom_retrieve', args: { hash } }],
      }),
      new ToolMessage({ content: 'Error: tool headroom_retrieve not found', tool_call_id: 'call_r_9' }),
    ];
    let text = '';
    for await (const chunk of await model.stream(messages)) text += chunk.text;
    expect(text).toBe('Now I see it.');
    expect(chatSent(1).messages.at(-1)).toMatchObject({
      role: 'tool',
      tool_call_id: 'call_r_9',
      content: log,
    });
    expect(model.headroom.stats().retrievals).toBe(1);
  });
});

describe('withHeadroom(ChatAnthropic)', () => {
  interface AnthropicBody {
    messages: { role: string; content: { type: string; content?: unknown; tool_use_id?: string }[] }[];
    tools?: { name: string }[];
    stream?: boolean;
  }

  async function chatAnthropic(streaming = false): Promise<ChatAnthropic> {
    anthropic = await startFakeAnthropic();
    return new ChatAnthropic({
      model: 'claude-sonnet-4-6',
      apiKey: 'test-key',
      anthropicApiUrl: anthropic.url,
      maxRetries: 0,
      streaming,
    });
  }
  const sent = (n: number) => anthropic!.messageRequests()[n]!.json<AnthropicBody>();
  const resultText = (body: AnthropicBody) => JSON.stringify(body.messages[2]!.content);

  it('invoke and stream: the tool result goes out compressed with its needle and a marker', async () => {
    const model = withHeadroom(await chatAnthropic());
    anthropic!.push({ kind: 'text', text: 'The discount test fails.' }, { kind: 'text', text: 'Streamed.' });
    const records = apiRecords(500);
    const messages: BaseMessage[] = [
      new HumanMessage('Which service failed? Also show needle-service.'),
      new AIMessage({ content: '', tool_calls: [{ id: 'toolu_1', name: 'list_services', args: {} }] }),
      new ToolMessage({ content: records, tool_call_id: 'toolu_1' }),
    ];
    const reply = await model.invoke(messages);
    expect(reply.content).toBe('The discount test fails.');
    expect(sent(0).messages[2]!.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1' });
    expect(resultText(sent(0))).toContain('needle-service');
    expect(resultText(sent(0))).toContain('failed');
    expect(resultText(sent(0))).toMatch(MARKER);
    expect(resultText(sent(0)).length).toBeLessThan(records.length / 3);
    expect(sent(0).tools?.map((t) => t.name)).toEqual(['headroom_retrieve']);

    let text = '';
    for await (const chunk of await model.stream(messages)) text += chunk.text;
    expect(text).toBe('Streamed.');
    expect(sent(1).stream).toBe(true);
    expect(resultText(sent(1))).toBe(resultText(sent(0)));
    expect(model.headroom.stats().compressedRequests).toBe(2);
  });

  it('a model built with streaming: true (its _generate streams) compresses once, not twice', async () => {
    const model = withHeadroom(await chatAnthropic(true));
    const reply = await model.invoke(conversation());
    expect(reply.text.length).toBeGreaterThan(0);
    expect(sent(0).stream).toBe(true);
    expect(resultText(sent(0))).toContain(NEEDLE);
    expect(resultText(sent(0)).match(/\[headroom: /g)).toHaveLength(1);
    expect(model.headroom.stats().requests).toBe(1);
  });

  it('retrieval round trip with bound tools: the model asks, headroom answers, the caller gets the answer', async () => {
    const model = withHeadroom(await chatAnthropic());
    const log = testLog();
    anthropic!.push({ kind: 'text', text: 'warm-up' });
    await model.invoke(conversation(log));
    const hash = MARKER.exec(resultText(sent(0)))![1]!;
    anthropic!.push(
      { kind: 'tool_use', id: 'toolu_r1', name: 'headroom_retrieve', input: { hash } },
      { kind: 'text', text: 'The full log shows it.' },
    );
    const reply = await model.bindTools([shell]).invoke(conversation(log));
    expect(reply.content).toBe('The full log shows it.');
    expect(sent(1).tools?.map((t) => t.name)).toEqual(['shell', 'headroom_retrieve']);
    const round = sent(2);
    expect(round.messages.at(-1)!.content[0]).toMatchObject({
      type: 'tool_result',
      tool_use_id: 'toolu_r1',
      content: log,
    });
    expect(model.headroom.stats().retrievals).toBe(1);
  });
});
