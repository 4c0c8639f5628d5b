import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/ledger.js';
import type { CompressFn } from '../../src/proxy/compress-body.js';
import { startProxy } from '../../src/proxy/server.js';
import { sha256, sse } from '../helpers/fake-server.js';
import { bigTestLog, type Harness, type HarnessOptions, startHarness } from '../helpers/proxy-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(options: HarnessOptions = {}) {
  h = await startHarness(options);
  return h;
}

const post = (url: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': 'sk-ant-secret',
      'anthropic-version': '2023-06-01',
      ...headers,
    },
    body,
  });

/** node:http rather than fetch: fetch refuses to send hop-by-hop headers and decodes gzip itself. */
function rawPost(url: string, body: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(
        `${url}/v1/messages`,
        { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

/** A conversation with odd-but-valid formatting: tabs, CRLF, spaces around colons, escaped slashes. */
function oddBody(toolOutput: string): string {
  return (
    '{\r\n\t"model" : "claude-sonnet-4-6",  "max_tokens":1024,\n' +
    '  "system": [ {"type":"text","text":"You are Claude Code.\\nBe careful \\/ precise.","cache_control":{"type":"ephemeral"}} ],\n' +
    '  "messages" : [\n' +
    '    { "role":"user", "content" : "Run the tests \\u2014 please" },\n' +
    '    { "role" : "assistant","content":[{"type":"tool_use","id":"toolu_01","name":"Bash","input":{ "command" : "npm test" }}]},\n' +
    `    {"role":"user","content":[ { "type" : "tool_result", "tool_use_id":"toolu_01", "content" : ${JSON.stringify(toolOutput)} } ,{"type":"text","text":"ok?"}]}\n` +
    '  ] ,\n  "stream" : false\r\n}'
  );
}

describe('transparency', () => {
  it('forwards the exact body bytes when nothing is compressed (same sha256)', async () => {
    const h = await setup();
    const body = oddBody('short output');
    const res = await post(h.proxy.url, body);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(h.anthropic.messageRequests()[0]!.sha256).toBe(sha256(body));
    const [entry] = await h.waitForEntries(1);
    expect(entry!.passthroughReason).toBe('nothing-to-compress');
  });

  it('when it compresses, changes only the compressed block: every other byte stays as sent', async () => {
    const h = await setup();
    const log = bigTestLog(3000);
    const body = oddBody(log);
    await (await post(h.proxy.url, body)).arrayBuffer();
    const received = h.anthropic.messageRequests()[0]!.body.toString('utf8');
    const encoded = JSON.stringify(log);
    const start = body.indexOf(encoded);
    const before = body.slice(0, start);
    const after = body.slice(start + encoded.length);
    expect(received.startsWith(before)).toBe(true);
    expect(received.endsWith(after)).toBe(true);
    const replaced = JSON.parse(received.slice(before.length, received.length - after.length)) as string;
    expect(replaced.length).toBeLessThan(log.length / 2);
    expect(h.anthropic.messageRequests()[0]!.headers['content-length']).toBe(
      String(Buffer.byteLength(received)),
    );
  });

  it('drops hop-by-hop headers and adds none of its own upstream', async () => {
    const h = await setup();
    await rawPost(h.proxy.url, oddBody('x'), {
      'x-api-key': 'sk-ant-secret',
      'keep-alive': 'timeout=5',
      'proxy-authorization': 'Basic abc',
      'x-custom-thing': 'kept',
      connection: 'keep-alive, x-drop-me',
      'x-drop-me': 'hop',
    });
    const headers = h.anthropic.messageRequests()[0]!.headers;
    expect(headers['x-custom-thing']).toBe('kept');
    expect(headers['x-api-key']).toBe('sk-ant-secret');
    expect(headers['keep-alive']).toBeUndefined();
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers['x-drop-me']).toBeUndefined();
    expect(Object.keys(headers).some((k) => k.includes('headroom'))).toBe(false);
  });

  it('returns the provider status, repeated headers and body as sent', async () => {
    const h = await setup({
      anthropic: {
        replies: [
          {
            kind: 'raw',
            reply: {
              status: 201,
              headers: {
                'content-type': 'application/json',
                'set-cookie': ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT'],
                'x-request-id': 'req_1',
              },
              body: '{"ok" :true}',
            },
          },
        ],
      },
    });
    const res = await rawPost(h.proxy.url, oddBody('x'), {});
    expect(res.status).toBe(201);
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT']);
    expect(res.headers['x-request-id']).toBe('req_1');
    expect(res.body.toString()).toBe('{"ok" :true}');
  });

  it('passes gzip responses through as bytes and still reads their usage', async () => {
    const events = sse([
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: 'm',
            usage: {
              input_tokens: 11,
              output_tokens: 1,
              cache_read_input_tokens: 22,
              cache_creation_input_tokens: 0,
            },
          },
        },
      },
      {
        event: 'message_delta',
        data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } },
      },
    ]);
    const gz = gzipSync(events);
    const h = await setup({
      anthropic: {
        replies: [
          {
            kind: 'raw',
            reply: { headers: { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }, body: gz },
          },
        ],
      },
    });
    const body = JSON.stringify({ model: 'claude-haiku-4-5', stream: true, messages: [] });
    const raw = await rawPost(h.proxy.url, body, { 'accept-encoding': 'gzip' });
    expect(h.anthropic.messageRequests()[0]!.headers['accept-encoding']).toBe('gzip');
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.body.equals(gz)).toBe(true);
    expect(gunzipSync(raw.body).equals(events)).toBe(true);
    const [entry] = await h.waitForEntries(1);
    expect(entry!.usage).toEqual({
      inputTokens: 11,
      outputTokens: 5,
      cacheReadTokens: 22,
      cacheWriteTokens: 0,
    });
  });
});

describe('failing open', () => {
  it('forwards a malformed JSON body as it is and lets the provider answer', async () => {
    const h = await setup();
    const body = '{"model": "claude-sonnet-4-6", "messages": [ {"role": "user", "content": "unterminated';
    const res = await post(h.proxy.url, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(h.anthropic.messageRequests()[0]!.body.toString('utf8')).toBe(body);
    const [entry] = await h.waitForEntries(1);
    expect(entry).toMatchObject({ passthroughReason: 'unparseable-body', status: 400, model: 'unknown' });
  });

  it('forwards the original body when compression throws', async () => {
    const failing: CompressFn = async () => {
      throw new Error('boom');
    };
    const h = await setup({ deps: { compress: failing } });
    const body = oddBody(bigTestLog(3000));
    await (await post(h.proxy.url, body)).arrayBuffer();
    expect(h.anthropic.messageRequests()[0]!.sha256).toBe(sha256(body));
    const [entry] = await h.waitForEntries(1);
    expect(entry!.passthroughReason).toBe('compression-error');
  });

  it('forwards the original body when compression takes longer than its deadline', async () => {
    const stalled: CompressFn = () => new Promise(() => undefined);
    const h = await setup({ deps: { compress: stalled }, proxy: { compressionTimeoutMs: 50 } });
    const body = oddBody(bigTestLog(3000));
    const res = await post(h.proxy.url, body);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(h.anthropic.messageRequests()[0]!.sha256).toBe(sha256(body));
    const [entry] = await h.waitForEntries(1);
    expect(entry!.passthroughReason).toBe('timeout');
  });

  it('forwards bodies of unknown shape and with optimize off as they are', async () => {
    const h = await setup({ proxy: { optimize: false } });
    const body = oddBody(bigTestLog(3000));
    await (await post(h.proxy.url, body)).arrayBuffer();
    expect(h.anthropic.messageRequests()[0]!.sha256).toBe(sha256(body));
    const [entry] = await h.waitForEntries(1);
    expect(entry).toMatchObject({ passthroughReason: 'disabled', model: 'claude-sonnet-4-6' });
  });

  it('answers 502 in the provider format when the upstream cannot be reached', async () => {
    h = await startHarness({ proxy: { anthropicUpstream: 'http://127.0.0.1:9' } });
    const client = new Anthropic({ apiKey: 'k', baseURL: h.proxy.url, maxRetries: 0 });
    const error = await client.messages
      .create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
    expect(String((error as Error).message)).toMatch(/could not reach/);
    const [entry] = await h.waitForEntries(1);
    expect(entry!.status).toBe(502);
  });

  it("keeps serving when the caller's onRequest and log callbacks throw", async () => {
    let calls = 0;
    // A ledger that cannot be written makes the proxy log, from a file-system callback.
    const stateDir = await mkdtemp(join(tmpdir(), 'headroom-throwing-'));
    await mkdir(join(stateDir, 'ledger.jsonl'));
    const h = await setup({
      proxy: {
        stateDir,
        onRequest() {
          calls += 1;
          throw new Error('a broken callback');
        },
        log() {
          throw new Error('a broken logger');
        },
      },
    });
    const body = JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    for (let i = 0; i < 2; i++) expect((await post(h.proxy.url, body)).status).toBe(200);
    await h.waitForEntries(2);
    expect(calls).toBe(2);
    expect((await fetch(`${h.proxy.url}/health`)).status).toBe(200);
    await rm(stateDir, { recursive: true, force: true });
  });
});

describe('size and concurrency', () => {
  it('handles a 50 MB body', async () => {
    const h = await setup();
    const chunk = 'x'.repeat(1023);
    const outputs = Array.from(
      { length: 50 },
      (_, i) => `${i}\n${Array.from({ length: 1024 }, () => chunk).join('\n')}`,
    );
    const messages = outputs.flatMap((out, i) => [
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: `t${i}`, name: 'Read', input: { file_path: `/f${i}` } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: out }] },
    ]);
    const body = JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'go' }, ...messages],
    });
    expect(body.length).toBeGreaterThan(50 * 1024 * 1024);
    const res = await post(h.proxy.url, body);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const received = h.anthropic.messageRequests()[0]!;
    const parsed = received.json<{ messages: unknown[] }>();
    expect(parsed.messages).toHaveLength(101);
    await h.waitForEntries(1);
  }, 90_000);

  it('keeps 20 concurrent streaming requests apart', async () => {
    const h = await setup({ anthropic: { delayMs: 2, chunkSize: 40 } });
    for (let i = 0; i < 20; i += 1) h.anthropic.push({ kind: 'text', text: `answer number ${i}` });
    const client = new Anthropic({ apiKey: 'k', baseURL: h.proxy.url, maxRetries: 0 });
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const msg = await client.messages
          .stream({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: `question ${i}` }] })
          .finalMessage();
        return { id: msg.id, text: msg.content[0]!.type === 'text' ? msg.content[0]!.text : '' };
      }),
    );
    expect(new Set(answers.map((a) => a.id)).size).toBe(20);
    expect(new Set(answers.map((a) => a.text)).size).toBe(20);
    const entries = await h.waitForEntries(20);
    expect(entries.every((e) => e.status === 200 && e.usage !== undefined)).toBe(true);
  });

  it('two proxies sharing one state directory append every request to one intact ledger', async () => {
    const h = await setup();
    const second = await startProxy({
      anthropicUpstream: h.anthropic.url,
      stateDir: h.stateDir,
      session: 'second',
    });
    try {
      const clients = [h.proxy.url, second.url].map(
        (url) => new Anthropic({ apiKey: 'k', baseURL: url, maxRetries: 0 }),
      );
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          clients[i % 2]!.messages.create({
            model: 'claude-haiku-4-5',
            max_tokens: 5,
            messages: [{ role: 'user', content: `q${i}` }],
          }),
        ),
      );
    } finally {
      await second.stop();
      await h.proxy.stop();
    }
    const { entries, skipped } = await readLedger(h.stateDir);
    expect(skipped).toBe(0);
    expect(entries.filter((e) => e.session === 'proxy')).toHaveLength(30);
    expect(entries.filter((e) => e.session === 'second')).toHaveLength(30);
  });
});
