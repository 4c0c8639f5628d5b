import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import { readLedger } from '../../src/ledger/ledger.js';
import { headroomHono } from '../../src/middleware/index.js';
import { bigTestLog, type Harness, startHarness } from '../helpers/proxy-harness.js';

const MODEL = 'claude-sonnet-4-6';
const NEEDLE = 'Error: expected 10.05 to equal 10.06';
const MARKER = /\[headroom: [^\]]*hash=([0-9a-f]{12})/;

let h: Harness | undefined;
let closeApp: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeApp?.();
  await h?.close();
  closeApp = undefined;
  h = undefined;
});

const body = (log = bigTestLog(), stream = false) =>
  JSON.stringify({
    model: MODEL,
    max_tokens: 256,
    ...(stream ? { stream: true } : {}),
    messages: [
      { role: 'user', content: 'Why does CI fail?' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { cmd: 'npm test' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: log }] },
    ],
  });

/** A real Hono app on loopback that relays `/llm/v1/messages` to the fake provider, with one unrelated route. */
async function startApp(entries: LedgerEntry[] = [], appTimeoutMs?: number) {
  // These tests compare compressed requests, not deadlines: on a loaded machine the 2 s default could pass
  // and the request would go out from the replay.
  const compressionTimeoutMs = 60_000;
  h = await startHarness({ proxy: { compressionTimeoutMs } });
  const upstream = h.anthropic.url;
  const middleware = headroomHono({
    compressionTimeoutMs: appTimeoutMs ?? compressionTimeoutMs,
    routes: { '/llm/v1/messages': 'anthropic' },
    stateDir: h.stateDir,
    ledger: true,
    session: 'hono-app',
    upstreams: [upstream],
    onRequest: (e) => entries.push(e),
  });
  const app = new Hono();
  app.use(middleware);
  app.post('/llm/v1/messages', async (c) => {
    const headers = new Headers(c.req.raw.headers);
    headers.delete('host');
    const res = await fetch(`${upstream}/v1/messages`, {
      method: 'POST',
      headers,
      body: await c.req.arrayBuffer(),
    });
    return new Response(res.body, {
      status: res.status,
      headers: { 'content-type': res.headers.get('content-type') ?? '' },
    });
  });
  app.post('/echo', async (c) =>
    c.body(await c.req.arrayBuffer(), 200, { 'content-type': 'application/octet-stream' }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeApp = () => new Promise((resolve) => server.close(() => resolve()));
  return { url, middleware, h };
}

/** Sends `payload` through the app's route, then straight to the proxy, as the same Anthropic client would. */
async function sendToAppAndProxy(url: string, h: Harness, payload: string): Promise<void> {
  for (const target of [`${url}/llm/v1/messages`, `${h.proxy.url}/v1/messages`]) {
    const res = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-test',
        'anthropic-version': '2023-06-01',
      },
      body: payload,
    });
    expect(res.status).toBe(200);
    await res.json();
  }
}

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('headroomHono in a real Hono app relaying to a fake provider', () => {
  it('sends the provider the same bytes the proxy sends, and records the same ledger entry', async () => {
    const entries: LedgerEntry[] = [];
    const { url, middleware, h } = await startApp(entries);
    const payload = body();
    await sendToAppAndProxy(url, h, payload);
    const [fromApp, fromProxy] = h.anthropic.messageRequests();
    expect(fromApp!.sha256).toBe(fromProxy!.sha256);
    expect(fromApp!.sha256).not.toBe(sha(payload));
    const sent = fromApp!.body.toString('utf8');
    expect(sent).toContain(NEEDLE);
    expect(sent).toMatch(MARKER);
    expect(sent.length).toBeLessThan(payload.length / 4);
    // The API key went through untouched.
    expect(fromApp!.headers['x-api-key']).toBe('sk-ant-test');

    const [proxyEntry] = await h.waitForEntries(1);
    await middleware.headroom.flush();
    const { entries: onDisk } = await readLedger(h.stateDir);
    const appEntry = onDisk.find((e) => e.session === 'hono-app');
    expect(appEntry).toEqual(entries[0]);
    const comparable = ({ ts, latencyMs, compressionMs, session, agent, usage, ...rest }: LedgerEntry) =>
      rest;
    expect(comparable(appEntry!)).toEqual(comparable(proxyEntry!));
    expect(appEntry!.tokensSaved).toBeGreaterThan(10_000);
    expect(appEntry!.usage?.outputTokens).toBe(12);
    expect(middleware.headroom.stats().requests).toBe(1);
    // Markers name the file the original was written to.
    const hash = MARKER.exec(sent)![1]!;
    expect(await middleware.headroom.retrieve(hash)).toBe(bigTestLog());
  });

  it('claims no saving for a call the provider refused, as the proxy does', async () => {
    const entries: LedgerEntry[] = [];
    const { url, middleware, h } = await startApp(entries);
    h.anthropic.push({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Slow down' });
    const res = await fetch(`${url}/llm/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-test',
        'anthropic-version': '2023-06-01',
      },
      body: body(),
    });
    expect(res.status).toBe(429);
    await res.text();
    await middleware.headroom.flush();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: 429, passthroughReason: 'refused', tokensSaved: 0 });
    expect(entries[0]!.tokensBefore).toBeGreaterThan(10_000);
    expect(entries[0]!.tokensAfter).toBe(entries[0]!.tokensBefore);
  });

  it('counts the whole request in the ledger when compression misses its deadline, as the proxy does', async () => {
    const entries: LedgerEntry[] = [];
    // A 1 ms deadline: the app compresses on its own event loop and yields between the big blocks, so the
    // deadline passes before the third is done and the request goes out from the replay.
    const { url, middleware, h } = await startApp(entries, 1);
    const turns = [0, 1, 2].flatMap((seed) => [
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: `toolu_${seed}`, name: 'Bash', input: { cmd: `npm test ${seed}` } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: `toolu_${seed}`, content: bigTestLog(3000, seed) }],
      },
    ]);
    const payload = JSON.stringify({
      model: MODEL,
      max_tokens: 256,
      system: 'You are a careful coding agent. Explain failures with the exact assertion.',
      tools: [{ name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'Why does CI fail?' }, ...turns],
    });
    await sendToAppAndProxy(url, h, payload);
    const [proxyEntry] = await h.waitForEntries(1);
    await vi.waitFor(() => expect(entries).toHaveLength(1));
    const appEntry = entries[0]!;
    expect(appEntry.blocksKeptRaw?.timeout).toBeGreaterThan(0);
    expect(proxyEntry!.blocksKeptRaw).toBeUndefined();
    expect(appEntry.tokensBefore).toBe(proxyEntry!.tokensBefore);
    expect(appEntry.tokensAfter).toBe(appEntry.tokensBefore - appEntry.tokensSaved);
    await middleware.headroom.flush();
  });

  it('streams the provider answer through unchanged, to the real Anthropic SDK', async () => {
    const entries: LedgerEntry[] = [];
    const { url, middleware, h } = await startApp(entries);
    h.anthropic.push({ kind: 'text', text: 'The invoice test fails — 10.05 ≠ 10.06 ✓' });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${url}/llm`, maxRetries: 0 });
    const stream = client.messages.stream(JSON.parse(body()) as Anthropic.MessageCreateParamsNonStreaming);
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe('The invoice test fails — 10.05 ≠ 10.06 ✓');
    const sent = h.anthropic.messageRequests()[0]!.json<{ stream: boolean }>();
    expect(sent.stream).toBe(true);
    expect(JSON.stringify(sent)).toMatch(MARKER);
    // The ledger entry is made when the streamed response has ended, with the provider's usage.
    await vi.waitFor(() => expect(entries).toHaveLength(1));
    expect(entries[0]!.usage?.outputTokens).toBe(12);
    expect(middleware.headroom.stats().requests).toBe(1);
    expect(middleware.headroom.stats().tokensSaved).toBeGreaterThan(10_000);
  });

  it('a client that leaves mid-stream still gets its ledger entry, and the upstream call is cancelled', async () => {
    const entries: LedgerEntry[] = [];
    const { url, h } = await startApp(entries);
    h.anthropic.push({ kind: 'hang', text: 'This answer never ends because the provider hangs on purpose.' });
    const controller = new AbortController();
    const res = await fetch(`${url}/llm/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: body(bigTestLog(), true),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await vi.waitFor(() => expect(entries).toHaveLength(1));
    expect(entries[0]).toMatchObject({ status: 200, path: '/v1/messages' });
    expect(entries[0]!.tokensSaved).toBeGreaterThan(10_000);
    expect(await h.anthropic.messageRequests()[0]!.outcome).toBe('aborted');
  });

  it('compresses a body a middleware before it has already read, and the handler reads the compressed one', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'hr-hono-read-'));
    try {
      const app = new Hono();
      const seenBefore: string[] = [];
      // A logging or auth middleware that reads the body first leaves `c.req.raw` unreadable.
      app.use(async (c, next) => {
        seenBefore.push(((await c.req.json()) as { model: string }).model);
        await next();
      });
      app.use(headroomHono({ routes: { '/v1/messages': 'anthropic' }, stateDir }));
      app.post('/v1/messages', async (c) => c.text(await c.req.text()));
      const sent = body();
      const res = await app.request('/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: sent,
      });
      expect(res.status).toBe(200);
      const forwarded = await res.text();
      expect(seenBefore).toEqual([MODEL]);
      expect(forwarded).toMatch(MARKER);
      expect(forwarded).toContain(NEEDLE);
      expect(forwarded.length).toBeLessThan(sent.length / 5);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('leaves other routes alone and fails open: bad JSON and encoded bodies go out byte for byte', async () => {
    const entries: LedgerEntry[] = [];
    const { url, h } = await startApp(entries);
    const other = body();
    const echoed = await fetch(`${url}/echo`, { method: 'POST', body: other });
    expect(await echoed.text()).toBe(other);

    const broken = `${body().slice(0, -2)} ,,`;
    await fetch(`${url}/llm/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: broken,
    });
    const gzipLabelled = body();
    await fetch(`${url}/llm/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': 'k' },
      body: gzipLabelled,
    });
    const [first, second] = h.anthropic.requests.filter((r) => r.path === '/v1/messages');
    expect(first!.sha256).toBe(sha(broken));
    expect(second!.sha256).toBe(sha(gzipLabelled));
    expect(entries.map((e) => e.passthroughReason)).toEqual(['unparseable-body', 'encoded-body']);
  });
});
