import {
  generateText,
  type ModelMessage,
  simulateReadableStream,
  stepCountIs,
  streamText,
  wrapLanguageModel,
} from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/compress/hash.js';
import { headroomMiddleware, retrievalTool } from '../../../src/sdk/vercel-ai/index.js';
import { apiRecords, testLog } from '../../helpers/outputs.js';

const NEEDLE = 'AssertionError: expected 90 to be 81';
const usage = {
  inputTokens: { total: 100, noCache: 100, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 10, text: 10, reasoning: 0 },
};

type Generated = Awaited<ReturnType<MockLanguageModelV3['doGenerate']>>;
type Streamed = Awaited<ReturnType<MockLanguageModelV3['doStream']>>;
type Part = Streamed['stream'] extends ReadableStream<infer P> ? P : never;
type Prompt = MockLanguageModelV3['doGenerateCalls'][number]['prompt'];

const text = (value: string): Generated => ({
  content: [{ type: 'text', text: value }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage,
  warnings: [],
});

const retrieveCall = (hash: string, id = 'call_r1'): Generated => ({
  content: [
    { type: 'tool-call', toolCallId: id, toolName: 'headroom_retrieve', input: JSON.stringify({ hash }) },
  ],
  finishReason: { unified: 'tool-calls', raw: 'tool_use' },
  usage,
  warnings: [],
});

const stream = (parts: Part[]): Streamed => ({ stream: simulateReadableStream({ chunks: parts }) });
const finish = (reason: 'stop' | 'tool-calls'): Part => ({
  type: 'finish',
  finishReason: { unified: reason, raw: reason },
  usage,
});
const textStream = (value: string) =>
  stream([
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't1' },
    { type: 'text-delta', id: 't1', delta: value },
    { type: 'text-end', id: 't1' },
    finish('stop'),
  ]);

const retrieveCallStream = (hash: string, id: string) =>
  stream([
    { type: 'stream-start', warnings: [] },
    { type: 'tool-call', toolCallId: id, toolName: 'headroom_retrieve', input: JSON.stringify({ hash }) },
    finish('tool-calls'),
  ]);

function conversation(
  output: { type: 'text'; value: string } | { type: 'json'; value: unknown },
): ModelMessage[] {
  return [
    { role: 'user', content: 'Run the tests and tell me which one fails. Also show needle-service.' },
    {
      role: 'assistant',
      content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'shell', input: { cmd: 'npm test' } }],
    },
    {
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 'call_1', toolName: 'shell', output: output as never }],
    },
  ];
}

function toolOutput(prompt: Prompt, message = 2): { type: string; value: unknown } {
  const m = prompt[message]!;
  if (m.role !== 'tool') throw new Error(`message ${message} is ${m.role}`);
  const part = m.content[0]!;
  if (part.type !== 'tool-result') throw new Error('not a tool result');
  return part.output as { type: string; value: unknown };
}

describe('headroomMiddleware', () => {
  it('compresses a text tool result in generateText and offers the retrieval tool', async () => {
    const mock = new MockLanguageModelV3({ modelId: 'gpt-4o', doGenerate: text('invoice test fails') });
    const middleware = headroomMiddleware();
    const result = await generateText({
      model: wrapLanguageModel({ model: mock, middleware }),
      messages: conversation({ type: 'text', value: testLog() }),
    });

    expect(result.text).toBe('invoice test fails');
    const call = mock.doGenerateCalls[0]!;
    const output = toolOutput(call.prompt, 2);
    expect(output.type).toBe('text');
    expect(output.value).toContain(NEEDLE);
    expect(output.value).toMatch(
      /\[headroom: kept \d+ of 1,213 lines \(log\) · hash=[0-9a-f]{12} · headroom_retrieve hash=[0-9a-f]{12}\]$/,
    );
    expect(call.tools?.map((t) => t.name)).toEqual(['headroom_retrieve']);
    expect(middleware.headroom.stats()).toMatchObject({ requests: 1, compressedRequests: 1 });
    expect(middleware.headroom.stats().tokensSaved).toBeGreaterThan(5000);
  });

  it('compresses a JSON tool result, keeping the failed and the asked-for items', async () => {
    const records = JSON.parse(apiRecords(450)) as unknown;
    const mock = new MockLanguageModelV3({ modelId: 'gpt-4o', doGenerate: text('ok') });
    await generateText({
      model: wrapLanguageModel({ model: mock, middleware: headroomMiddleware() }),
      messages: conversation({ type: 'json', value: records }),
    });
    const output = toolOutput(mock.doGenerateCalls[0]!.prompt, 2);
    expect(output.type).toBe('text');
    const value = output.value as string;
    expect(value.length).toBeLessThan(JSON.stringify(records).length / 4);
    expect(value).toContain('needle-service');
    expect(value).toContain('failed');
  });

  it('answers the model’s headroom_retrieve call inside generateText', async () => {
    const log = testLog();
    const mock = new MockLanguageModelV3({
      modelId: 'gpt-4o',
      doGenerate: [retrieveCall(contentHash(log)), text('line 42 fails')],
    });
    const middleware = headroomMiddleware();
    const result = await generateText({
      model: wrapLanguageModel({ model: mock, middleware }),
      messages: conversation({ type: 'text', value: log }),
    });

    expect(result.text).toBe('line 42 fails');
    expect(result.toolCalls).toEqual([]);
    expect(mock.doGenerateCalls).toHaveLength(2);
    const followUp = mock.doGenerateCalls[1]!.prompt;
    expect(followUp[3]).toMatchObject({
      role: 'assistant',
      content: [{ type: 'tool-call', toolName: 'headroom_retrieve' }],
    });
    expect(toolOutput(followUp, 4)).toEqual({ type: 'text', value: log });
    expect(middleware.headroom.stats().retrievals).toBe(1);
  });

  it('compresses the prompt of streamText', async () => {
    const mock = new MockLanguageModelV3({ modelId: 'gpt-4o', doStream: textStream('streamed') });
    const result = streamText({
      model: wrapLanguageModel({ model: mock, middleware: headroomMiddleware() }),
      messages: conversation({ type: 'text', value: testLog() }),
    });
    expect(await result.text).toBe('streamed');
    expect(toolOutput(mock.doStreamCalls[0]!.prompt, 2).value).toContain('[headroom: kept');
  });

  it('lets streamText run the retrieval tool and sends the original on the next step', async () => {
    const log = testLog();
    const hash = contentHash(log);
    const mock = new MockLanguageModelV3({
      modelId: 'gpt-4o',
      doStream: [retrieveCallStream(hash, 'call_r9'), textStream('found it')],
    });
    const middleware = headroomMiddleware();
    const result = streamText({
      model: wrapLanguageModel({ model: mock, middleware }),
      messages: conversation({ type: 'text', value: log }),
      tools: { headroom_retrieve: retrievalTool(middleware.headroom) },
      stopWhen: stepCountIs(3),
    });
    expect(await result.text).toBe('found it');
    expect(mock.doStreamCalls).toHaveLength(2);
    const second = mock.doStreamCalls[1]!;
    expect(toolOutput(second.prompt, 4).value).toBe(log);
    expect(second.tools?.filter((t) => t.name === 'headroom_retrieve')).toHaveLength(1);
  });

  it('replaces the SDK’s unknown-tool error for a retrieval call with the original on the next step', async () => {
    const log = testLog();
    const mock = new MockLanguageModelV3({
      modelId: 'gpt-4o',
      doStream: [retrieveCallStream(contentHash(log), 'call_r8'), textStream('found it')],
    });
    const result = streamText({
      model: wrapLanguageModel({ model: mock, middleware: headroomMiddleware() }),
      messages: conversation({ type: 'text', value: log }),
      stopWhen: stepCountIs(3),
    });
    expect(await result.text).toBe('found it');
    expect(toolOutput(mock.doStreamCalls[1]!.prompt, 4)).toEqual({ type: 'text', value: log });
  });

  it('sends the same tool definitions on every step of a call', async () => {
    const mock = new MockLanguageModelV3({ modelId: 'gpt-4o', doGenerate: text('ok') });
    const model = wrapLanguageModel({ model: mock, middleware: headroomMiddleware() });
    await generateText({ model, messages: conversation({ type: 'text', value: testLog() }) });
    await generateText({
      model,
      messages: [
        ...conversation({ type: 'text', value: testLog() }),
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'more?' },
      ],
    });
    expect(JSON.stringify(mock.doGenerateCalls[1]!.tools)).toBe(
      JSON.stringify(mock.doGenerateCalls[0]!.tools),
    );
    expect(JSON.stringify(mock.doGenerateCalls[1]!.prompt.slice(0, 3))).toBe(
      JSON.stringify(mock.doGenerateCalls[0]!.prompt),
    );
  });
});
