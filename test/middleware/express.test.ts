import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import express from 'express';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import { type HeadroomRequest, headroomNode } from '../../src/middleware/index.js';
import { bigTestLog, type Harness, startHarness } from '../helpers/proxy-harness.js';

const NEEDLE = 'Error: expected 10.05 to equal 10.06';
const MARKER = /\[headroom: [^\]]*hash=([0-9a-f]{12})/;
const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

let h: Harness | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
  server = undefined;
  h = undefined;
});

/** A real Express app on loopback relaying `/api/openai/*` to the fake provider, plus a JSON route of its own. */
async function startApp(entries: LedgerEntry[]) {
  h = await startHarness();
  const upstream = h.openai.url;
  const middleware = headroomNode({
    routes: {
      '/api/openai/v1/chat/completions': 'openai-chat',
      '/api/openai/v1/responses': 'openai-responses',
    },
    stateDir: h.stateDir,
    onRequest: (e) => entries.push(e),
  });
  const app = express();
  app.use(middleware);
  app.use(express.json({ limit: '50mb' }));
  app.post(/^\/api\/openai\/(.*)$/, async (req, res) => {
    const relayed = req as HeadroomRequest;
    const response = await fetch(`${upstream}${req.path.replace('/api/openai', '')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
      body: relayed.rawBody ?? null,
    });
    res.status(response.status).type(response.headers.get('content-type') ?? 'application/json');
    if (response.body) Readable.fromWeb(response.body as never).pipe(res);
    else res.end();
  });
  app.post('/notes', (req, res) => {
    res.json({ got: req.body });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, middleware, h };
}

const conversation = (log = bigTestLog()): OpenAI.ChatCompletionMessageParam[] => [
  { role: 'user', content: 'Why does CI fail?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{"cmd":"npm test"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'call_1', content: log },
];

describe('headroomNode in a real Express app relaying to a fake provider', () => {
  it('compresses chat and Responses bodies for the real OpenAI SDK, streaming included', async () => {
    const entries: LedgerEntry[] = [];
    const { url, middleware, h } = await startApp(entries);
    h.openai.push(
      { kind: 'text', text: 'The invoice test fails.' },
      { kind: 'text', text: 'Streamed ✓ answer' },
    );
    const client = new OpenAI({ apiKey: 'sk-test-key', baseURL: `${url}/api/openai/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: conversation() });
    expect(completion.choices[0]!.message.content).toBe('The invoice test fails.');
    const first = h.openai.modelRequests()[0]!;
    expect(first.headers.authorization).toBe('Bearer sk-test-key');
    const tool = first.json<{ messages: { content: string }[] }>().messages[2]!.content;
    expect(tool).toContain(NEEDLE);
    expect(tool).toMatch(MARKER);
    expect(tool.length).toBeLessThan(bigTestLog().length / 4);

    const stream = await client.responses.create({
      model: 'gpt-4o',
      stream: true,
      input: [
        { role: 'user', content: 'Why does CI fail?' },
        { type: 'function_call', call_id: 'call_2', name: 'shell', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_2', output: bigTestLog(2500, 1) },
      ],
    });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe('Streamed ✓ answer');
    const second = h.openai.modelRequests()[1]!.json<{ input: { output?: string }[] }>();
    expect(second.input[2]!.output).toMatch(MARKER);

    await vi.waitFor(() => expect(entries).toHaveLength(2));
    expect(entries.map((e) => [e.path, e.provider, e.status])).toEqual([
      ['/v1/chat/completions', 'openai', 200],
      ['/v1/responses', 'openai', 200],
    ]);
    expect(entries.every((e) => e.tokensSaved > 10_000 && e.usage !== undefined)).toBe(true);
    expect(middleware.headroom.stats().requests).toBe(2);
  });

  it('leaves other routes to the app (express.json still parses them) and fails open on bad JSON', async () => {
    const entries: LedgerEntry[] = [];
    const { url, h } = await startApp(entries);
    const notes = await fetch(`${url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: bigTestLog(500) }),
    });
    expect(await notes.json()).toEqual({ got: { text: bigTestLog(500) } });

    const broken = `{"model":"gpt-4o","messages":[{"role":"tool","content":${JSON.stringify(bigTestLog())}}`;
    const res = await fetch(`${url}/api/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: broken,
    });
    await res.text();
    expect(h.openai.requests.at(-1)!.sha256).toBe(sha(broken));
    await vi.waitFor(() => expect(entries).toHaveLength(1));
    expect(entries[0]!.passthroughReason).toBe('unparseable-body');
  });
});
