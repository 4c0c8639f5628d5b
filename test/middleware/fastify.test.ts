import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import { headroomFastify } from '../../src/middleware/index.js';
import { bigTestLog, type Harness, startHarness } from '../helpers/proxy-harness.js';

const MARKER = /\[headroom: [^\]]*hash=([0-9a-f]{12})/;
const NEEDLE = 'Error: expected 10.05 to equal 10.06';
const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

let h: Harness | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  await h?.close();
  app = undefined;
  h = undefined;
});

/** A real Fastify app on loopback relaying `/v1/messages` to the fake provider, plus a JSON route of its own. */
/** How the handler hands Fastify the provider's answer: a node stream, the web stream, or the Response. */
type Send = 'node' | 'web' | 'response';

async function startApp(entries: LedgerEntry[], send: Send = 'node') {
  h = await startHarness();
  const upstream = h.anthropic.url;
  const plugin = headroomFastify({ stateDir: h.stateDir, onRequest: (e) => entries.push(e) });
  app = Fastify({ bodyLimit: 32 * 1024 * 1024, forceCloseConnections: true });
  await app.register(plugin);
  app.post('/v1/messages', async (request, reply) => {
    // A relay stops its upstream call when its client leaves.
    const left = new AbortController();
    reply.raw.once('close', () => left.abort());
    const res = await fetch(`${upstream}/v1/messages`, {
      signal: left.signal,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': String(request.headers['x-api-key']) },
      body: (request as { rawBody?: Buffer }).rawBody ?? JSON.stringify(request.body),
    });
    if (send === 'response') return reply.send(res);
    reply.code(res.status).type(res.headers.get('content-type') ?? 'application/json');
    if (send === 'web') return reply.send(res.body);
    return reply.send(res.body ? Readable.fromWeb(res.body as never) : '');
  });
  app.post('/notes', async (request) => ({ got: request.body }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, plugin, h };
}

const params = (log = bigTestLog()): Anthropic.MessageCreateParamsNonStreaming => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 256,
  messages: [
    { role: 'user', content: 'Why does CI fail?' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: log }] },
  ],
});

describe('headroomFastify in a real Fastify app relaying to a fake provider', () => {
  it('compresses the body before Fastify parses it; answers stream back; other routes untouched', async () => {
    const entries: LedgerEntry[] = [];
    const { url, plugin, h } = await startApp(entries);
    h.anthropic.push({ kind: 'text', text: 'Plain answer.' }, { kind: 'text', text: 'Streamed ✓ answer' });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: url, maxRetries: 0 });
    const message = await client.messages.create(params());
    expect(message.content).toEqual([{ type: 'text', text: 'Plain answer.' }]);
    const sent = h.anthropic.messageRequests()[0]!.body.toString('utf8');
    expect(sent).toContain(NEEDLE);
    expect(sent).toMatch(MARKER);
    expect(sent.length).toBeLessThan(JSON.stringify(params()).length / 4);

    let text = '';
    for await (const event of client.messages.stream(params(bigTestLog(2000, 3)))) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe('Streamed ✓ answer');
    await vi.waitFor(() => expect(entries).toHaveLength(2));
    expect(entries.every((e) => e.tokensSaved > 5_000 && e.usage?.outputTokens === 12)).toBe(true);
    expect(plugin.headroom.stats().requests).toBe(2);

    const notes = await fetch(`${url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: bigTestLog(300) }),
    });
    expect(await notes.json()).toEqual({ got: { text: bigTestLog(300) } });
  });

  it('reads the provider usage from a web stream or a Response the handler sends', async () => {
    for (const send of ['web', 'response'] as const) {
      const entries: LedgerEntry[] = [];
      const { url, h } = await startApp(entries, send);
      h.anthropic.push({ kind: 'text', text: 'Plain answer.' }, { kind: 'text', text: 'Streamed answer' });
      const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: url, maxRetries: 0 });
      expect((await client.messages.create(params())).content).toEqual([
        { type: 'text', text: 'Plain answer.' },
      ]);
      expect(await client.messages.stream(params()).finalText()).toBe('Streamed answer');
      await vi.waitFor(() => expect(entries).toHaveLength(2));
      expect([send, ...entries.map((e) => e.usage?.outputTokens)]).toEqual([send, 12, 12]);
      await app!.close();
      await h.close();
      app = undefined;
    }
  });

  it('a client that leaves mid-stream still gets its ledger entry', async () => {
    const entries: LedgerEntry[] = [];
    const { url, h } = await startApp(entries);
    h.anthropic.push({ kind: 'hang', text: 'An answer the provider never finishes.' });
    const controller = new AbortController();
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ ...params(), stream: true }),
      signal: controller.signal,
    });
    await res.body!.getReader().read();
    controller.abort();
    await vi.waitFor(() => expect(entries).toHaveLength(1));
    expect(entries[0]!.tokensSaved).toBeGreaterThan(10_000);
  });

  it('fails open: a body that is not JSON reaches the provider byte for byte', async () => {
    const entries: LedgerEntry[] = [];
    const { url, h } = await startApp(entries);
    const broken = `${JSON.stringify(params()).slice(0, -1)},`;
    // Sent as text/plain: Fastify's JSON parser would refuse it with a 400 before the route could relay it.
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-api-key': 'k' },
      body: broken,
    });
    await res.text();
    expect(h.anthropic.messageRequests()[0]!.sha256).toBe(sha(broken));
    await vi.waitFor(() => expect(entries).toHaveLength(1));
    expect(entries[0]!.passthroughReason).toBe('unparseable-body');
  });
});
