import { createOpenAI } from '@ai-sdk/openai';
import { generateText, type ModelMessage, streamText, wrapLanguageModel } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { headroomMiddleware } from '../../../src/sdk/vercel-ai/index.js';
import { type FakeOpenAI, startFakeOpenAI } from '../../helpers/fake-openai.js';
import { testLog } from '../../helpers/outputs.js';

const NEEDLE = 'AssertionError: expected 90 to be 81';

const conversation: ModelMessage[] = [
  { role: 'user', content: 'Why does the invoice test fail?' },
  {
    role: 'assistant',
    content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'shell', input: { cmd: 'npm test' } }],
  },
  {
    role: 'tool',
    content: [
      {
        type: 'tool-result',
        toolCallId: 'call_1',
        toolName: 'shell',
        output: { type: 'text', value: testLog() },
      },
    ],
  },
];

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The tool message content the provider received in its last chat-completions request. */
function receivedToolContent(server: FakeOpenAI): string {
  const body = server.modelRequests().at(-1)!.json<{ messages: { role: string; content: string }[] }>();
  return body.messages.find((m) => m.role === 'tool')!.content;
}

describe('headroomMiddleware with the real @ai-sdk/openai provider over loopback', () => {
  it('sends the tool result compressed on generateText, keeping the failing assertion', async () => {
    fake = await startFakeOpenAI({ replies: [{ kind: 'text', text: 'The discount is applied twice.' }] });
    const provider = createOpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-test' });
    const middleware = headroomMiddleware();
    const model = wrapLanguageModel({ model: provider.chat('gpt-4o'), middleware });
    const { text } = await generateText({ model, messages: conversation });
    expect(text).toBe('The discount is applied twice.');
    const sent = receivedToolContent(fake);
    expect(sent).toContain(NEEDLE);
    expect(sent).toMatch(/hash=[0-9a-f]{12}/);
    expect(sent.length).toBeLessThan(testLog().length / 5);
    expect(middleware.headroom.stats().tokensSaved).toBeGreaterThan(5000);
  });

  it('counts a call the AI SDK retried (after a 429) once, with the tokens of one call', async () => {
    fake = await startFakeOpenAI({
      replies: [
        { kind: 'error', status: 429, message: 'slow', headers: { 'retry-after-ms': '0' } },
        { kind: 'text', text: 'done' },
      ],
    });
    const provider = createOpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-test' });
    const retried = headroomMiddleware();
    const once = headroomMiddleware();
    for (const [middleware, maxRetries] of [
      [retried, 1],
      [once, 0],
    ] as const) {
      const model = wrapLanguageModel({ model: provider.chat('gpt-4o'), middleware });
      await generateText({ model, messages: conversation, maxRetries });
    }
    expect(fake.modelRequests()).toHaveLength(3);
    expect(retried.headroom.stats()).toEqual(once.headroom.stats());
    expect(retried.headroom.stats()).toMatchObject({ requests: 1, compressedRequests: 1 });
  });

  it('compresses streamText prompts the same way', async () => {
    fake = await startFakeOpenAI({ replies: [{ kind: 'text', text: 'Streamed answer.' }] });
    const provider = createOpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-test' });
    const model = wrapLanguageModel({ model: provider.chat('gpt-4o'), middleware: headroomMiddleware() });
    const result = streamText({ model, messages: conversation });
    let streamed = '';
    for await (const delta of result.textStream) streamed += delta;
    expect(streamed).toBe('Streamed answer.');
    expect(receivedToolContent(fake)).toContain(NEEDLE);
    expect(receivedToolContent(fake).length).toBeLessThan(testLog().length / 5);
  });
});
