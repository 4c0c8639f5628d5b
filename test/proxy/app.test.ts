import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProxyApp, createProxyRuntime } from '../../src/proxy/app.js';
import { startProxy } from '../../src/proxy/server.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import type { FakeServer } from '../helpers/fake-server.js';

let dir: string;
let fake: FakeServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-app-'));
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('proxy app', () => {
  it('reports health with its identity, version, pid, mode and upstreams', async () => {
    const app = createProxyApp({
      stateDir: dir,
      anthropicUpstream: 'http://127.0.0.1:1',
      openaiUpstream: 'http://127.0.0.1:2/v1',
      geminiUpstream: 'http://127.0.0.1:3',
      optimize: false,
    });
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { instance: string };
    expect(body).toEqual({
      status: 'ok',
      service: 'headroom',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      pid: process.pid,
      instance: expect.stringMatching(/^[0-9a-f-]{36}$/),
      optimize: false,
      upstreams: {
        anthropic: 'http://127.0.0.1:1/',
        openai: 'http://127.0.0.1:2/v1',
        gemini: 'http://127.0.0.1:3/',
      },
    });
    // The same proxy keeps its instance id; another proxy has its own.
    const instanceOf = async (a: typeof app) =>
      ((await (await a.request('/health')).json()) as { instance: string }).instance;
    expect(await instanceOf(app)).toBe(body.instance);
    expect(await instanceOf(createProxyApp({ stateDir: dir, optimize: false }))).not.toBe(body.instance);
  });

  it('never echoes credentials embedded in an upstream URL', async () => {
    const app = createProxyApp({ stateDir: dir, anthropicUpstream: 'http://user:s3cret@127.0.0.1:1' });
    const body = await (await app.request('/health')).text();
    expect(body).not.toContain('s3cret');
    expect(body).toContain('http://127.0.0.1:1/');
  });

  it('forwards a model call and counts it in /stats and /metrics', async () => {
    fake = await startFakeAnthropic({
      replies: [{ kind: 'text', text: 'hi', usage: { cache_read_input_tokens: 70 } }],
    });
    const proxy = await startProxy({ stateDir: dir, anthropicUpstream: fake.url, ledger: false });
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-opus-4-1',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { content: unknown }).content).toEqual([{ type: 'text', text: 'hi' }]);
    while (proxy.stats().requests === 0) await new Promise((r) => setTimeout(r, 5));
    const stats = (await (await fetch(`${proxy.url}/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({
      requests: 1,
      passthroughs: 1,
      passthroughReasons: { 'nothing-to-compress': 1 },
      cacheReadTokens: 70,
      byProvider: { anthropic: { requests: 1 } },
      byModel: { 'claude-opus-4-1': { requests: 1 } },
    });
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(metrics).toContain('headroom_requests_total{provider="anthropic"} 1');
    expect(metrics).toContain('headroom_passthrough_requests_total{reason="nothing-to-compress"} 1');
    expect(metrics).toContain('headroom_provider_tokens_total{kind="cache_read"} 70');
    await proxy.stop();
  });

  it('serves retrieval by hash as text and 404 for unknown or malformed hashes', async () => {
    const runtime = createProxyRuntime({ stateDir: dir, ledger: false });
    await runtime.store.putAll(new Map([['0123456789ab', 'the original\nbytes ✓']]));
    const res = await runtime.app.request('/v1/headroom/retrieve/0123456789ab');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('the original\nbytes ✓');
    expect((await runtime.app.request('/v1/headroom/retrieve/ffffffffffff')).status).toBe(404);
    expect((await runtime.app.request('/v1/headroom/retrieve/..%2Fledger')).status).toBe(404);
  });

  it('answers a WebSocket upgrade on any path with 426', async () => {
    const proxy = await startProxy({ stateDir: dir, ledger: false, optimize: false });
    for (const path of ['/v1/responses', '/anything']) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${proxy.url}${path}`, {
          headers: { upgrade: 'websocket', connection: 'Upgrade' },
        });
        req.once('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end();
      });
      expect(status).toBe(426);
    }
    await proxy.stop();
  });

  it('rejects invalid options with a message that names the option', () => {
    expect(() => createProxyApp({ port: -1 })).toThrow(
      'Expected the `port` option to be an integer between 0 and 65535, got `-1` (number).',
    );
    expect(() => createProxyApp({ anthropicUpstream: 'ftp://x' })).toThrow(/anthropicUpstream/);
    expect(() => createProxyApp({ compressionTimeoutMs: 0 })).toThrow(/compressionTimeoutMs/);
  });
});
