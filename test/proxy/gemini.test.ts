import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requestLine } from '../../src/cli/line-log.js';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import { type RunningProxy, startProxy } from '../../src/proxy/server.js';
import {
  type FakeGemini,
  type FakeGeminiOptions,
  GEMINI_TEST_KEY,
  startFakeGemini,
} from '../helpers/fake-gemini.js';
import { splitBytes } from '../helpers/fake-server.js';
import { bigTestLog } from '../helpers/proxy-harness.js';

interface Setup {
  readonly proxy: RunningProxy;
  readonly gemini: FakeGemini;
  readonly stateDir: string;
  readonly entries: LedgerEntry[];
  /** Every line the proxy logged and every per-request line `wrap --verbose` would write. */
  readonly lines: string[];
}

let open: Setup | undefined;
afterEach(async () => {
  if (!open) return;
  await open.proxy.stop();
  await open.gemini.close();
  await rm(open.stateDir, { recursive: true, force: true });
  open = undefined;
});

async function setup(gemini: FakeGeminiOptions = {}, agent?: string): Promise<Setup> {
  const fake = await startFakeGemini(gemini);
  const stateDir = await mkdtemp(join(tmpdir(), 'headroom-gemini-'));
  const entries: LedgerEntry[] = [];
  const lines: string[] = [];
  const proxy = await startProxy({
    geminiUpstream: fake.url,
    // The other providers point nowhere reachable: a Gemini call must never go there.
    anthropicUpstream: 'http://127.0.0.1:9',
    openaiUpstream: 'http://127.0.0.1:9',
    stateDir,
    ...(agent ? { agent } : {}),
    onRequest(entry) {
      entries.push(entry);
      lines.push(requestLine(entry));
    },
    log: (line) => lines.push(line),
  });
  open = { proxy, gemini: fake, stateDir, entries, lines };
  return open;
}

async function waitFor(entries: LedgerEntry[], n: number): Promise<LedgerEntry[]> {
  for (let i = 0; i < 400 && entries.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(entries.length).toBeGreaterThanOrEqual(n);
  return entries;
}

const MODEL = 'gemini-2.5-pro';
const headers = { 'content-type': 'application/json', 'x-goog-api-key': GEMINI_TEST_KEY };

/** Gemini CLI's run_shell_command result, as 0.61 sends it. */
const shellOutput = (output: string, exitCode: number) =>
  `<untrusted_context>\nOutput: ${output}\nExit Code: ${exitCode}\nProcess Group PGID: 48213\n</untrusted_context>`;

/** A Gemini CLI-shaped request: the question, a shell call, its result (and more turns when given). */
function request(output: string, extra: unknown[] = []) {
  return {
    contents: [
      { role: 'user', parts: [{ text: 'Why does npm test fail?' }] },
      {
        role: 'model',
        parts: [{ functionCall: { id: 'call-1', name: 'run_shell_command', args: { command: 'npm test' } } }],
      },
      {
        role: 'user',
        parts: [{ functionResponse: { id: 'call-1', name: 'run_shell_command', response: { output } } }],
      },
      ...extra,
    ],
    systemInstruction: { role: 'user', parts: [{ text: 'You are Gemini CLI, an interactive CLI agent.' }] },
    tools: [{ functionDeclarations: [{ name: 'run_shell_command', description: 'Runs a shell command.' }] }],
    generationConfig: { temperature: 0, thinkingConfig: { includeThoughts: true } },
  };
}

const post = (url: string, body: unknown, extra: Record<string, string> = headers) =>
  fetch(url, {
    method: 'POST',
    headers: extra,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the Gemini API through the proxy (fake Gemini provider)', () => {
  it('relays a streamed answer byte for byte, with the model from the path and usage from usageMetadata', async () => {
    const s = await setup({
      chunkSize: 7,
      replies: [
        {
          kind: 'text',
          text: 'Das Problem: 日本語 🎉 fixed',
          usage: { promptTokens: 1200, cachedTokens: 1000, outputTokens: 8, thoughtsTokens: 5 },
        },
      ],
    });
    const res = await post(
      `${s.proxy.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`,
      request('ok'),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const received = Buffer.from(await res.arrayBuffer());
    const [upstream] = s.gemini.modelRequests();
    // The fake's own bytes, exactly: events, CRLF separators, multi-byte characters cut anywhere.
    const events = received
      .toString('utf8')
      .split('\r\n\r\n')
      .filter((e) => e !== '');
    expect(events).toHaveLength(3);
    const text = events
      .map((e) => JSON.parse(e.slice('data: '.length)).candidates[0].content.parts[0].text)
      .join('');
    expect(text).toBe('Das Problem: 日本語 🎉 fixed');
    expect(upstream!.url).toBe(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
    const [entry] = await waitFor(s.entries, 1);
    expect(entry).toMatchObject({
      provider: 'gemini',
      model: MODEL,
      path: `/v1beta/models/${MODEL}:streamGenerateContent`,
      status: 200,
      stream: 'completed',
      passthroughReason: 'nothing-to-compress',
    });
    expect(entry!.usage).toEqual({
      inputTokens: 200,
      outputTokens: 13,
      cacheReadTokens: 1000,
      cacheWriteTokens: 0,
    });
  });

  it('relays SSE bytes exactly as the provider cut them, mid-event and mid-character', async () => {
    const bytes = Buffer.from(
      [
        {
          candidates: [{ content: { role: 'model', parts: [{ text: 'naïve 日本 ' }] }, index: 0 }],
          responseId: 'r-1',
        },
        {
          candidates: [
            { content: { role: 'model', parts: [{ text: '🎉' }] }, finishReason: 'STOP', index: 0 },
          ],
          usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 2, totalTokenCount: 11 },
          responseId: 'r-1',
        },
      ]
        .map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`)
        .join(''),
    );
    const chunks = splitBytes(bytes, 5);
    const s = await setup({
      replies: [{ kind: 'raw', reply: { headers: { 'content-type': 'text/event-stream' }, chunks } }],
    });
    const res = await post(
      `${s.proxy.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`,
      request('ok'),
    );
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    const [entry] = await waitFor(s.entries, 1);
    expect(entry!.usage).toEqual({
      inputTokens: 9,
      outputTokens: 2,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('answers a plain generateContent call and a stream asked without alt=sse (one JSON array)', async () => {
    const s = await setup({
      replies: [
        { kind: 'text', text: '{"complexity_score": 1}', usage: { promptTokens: 40, outputTokens: 6 } },
        { kind: 'text', text: 'array form', usage: { promptTokens: 30, outputTokens: 3 } },
      ],
    });
    const plain = await post(
      `${s.proxy.url}/v1beta/models/gemini-2.5-flash-lite:generateContent`,
      request('ok'),
    );
    const body = (await plain.json()) as {
      candidates: { content: { parts: { text: string }[] } }[];
      responseId: string;
    };
    expect(body.candidates[0]!.content.parts[0]!.text).toBe('{"complexity_score": 1}');
    const array = await post(`${s.proxy.url}/v1beta/models/${MODEL}:streamGenerateContent`, request('ok'));
    const chunks = (await array.json()) as { responseId: string }[];
    expect(chunks.length).toBeGreaterThan(1);
    // Every response has its own id; the chunks of one response share it.
    expect(new Set(chunks.map((c) => c.responseId)).size).toBe(1);
    expect(chunks[0]!.responseId).not.toBe(body.responseId);
    const entries = await waitFor(s.entries, 2);
    expect(entries.map((e) => [e.model, e.usage?.inputTokens, e.usage?.outputTokens])).toEqual([
      ['gemini-2.5-flash-lite', 40, 6],
      [MODEL, 30, 3],
    ]);
  });

  it('compresses a long shell output in contents, keeps the failing assertion and leaves every other byte', async () => {
    const s = await setup({ fallback: { kind: 'text', text: 'The invoice test fails.' } });
    const log = bigTestLog(3000, 7);
    const sent = request(shellOutput(log, 1));
    const res = await post(`${s.proxy.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, sent);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const upstream = s.gemini.modelRequests()[0]!.json<ReturnType<typeof request>>();
    const output = (
      upstream.contents[2] as { parts: { functionResponse: { response: { output: string } } }[] }
    ).parts[0]!.functionResponse.response.output;
    expect(output.length).toBeLessThan(log.length / 4);
    expect(output).toContain('Error: expected 10.05 to equal 10.06');
    expect(output).toContain('Tests: 1 failed, 3000 passed, 3001 total');
    expect(output.startsWith('<untrusted_context>\nOutput: ')).toBe(true);
    expect(output.endsWith('\nExit Code: 1\nProcess Group PGID: 48213\n</untrusted_context>')).toBe(true);
    // Everything but the output is as sent: the question, the call, the system instruction, the tools.
    expect({ ...upstream, contents: upstream.contents.slice(0, 2) }).toEqual({
      ...sent,
      contents: sent.contents.slice(0, 2),
    });
    // The marker names the original, which the proxy kept byte for byte.
    const hash = /hash=([0-9a-f]+)/.exec(output)?.[1];
    expect(hash).toBeDefined();
    const original = await fetch(`${s.proxy.url}/v1/headroom/retrieve/${hash}`);
    expect(await original.text()).toBe(shellOutput(log, 1));
    const [entry] = await waitFor(s.entries, 1);
    expect(entry!.tokensSaved).toBeGreaterThan(entry!.tokensBefore / 2);
    expect(entry!.transforms.some((t) => t.startsWith('log:'))).toBe(true);

    // The next turn re-sends the same block: it goes out byte-identical (the provider's cache survives).
    const next = request(shellOutput(log, 1), [
      { role: 'model', parts: [{ text: 'The invoice test fails.' }] },
      { role: 'user', parts: [{ text: 'Fix it.' }] },
    ]);
    await (
      await post(`${s.proxy.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, next)
    ).arrayBuffer();
    const second = s.gemini.modelRequests()[1]!.body.toString('utf8');
    const first = s.gemini.modelRequests()[0]!.body.toString('utf8');
    const shared = first.slice(0, first.indexOf('],"systemInstruction"'));
    expect(second.startsWith(shared)).toBe(true);
  });

  it('passes countTokens, model listing and the API key through untouched, and records none of them', async () => {
    const s = await setup();
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x'.repeat(4000) }] }] });
    const count = await post(`${s.proxy.url}/v1beta/models/${MODEL}:countTokens`, body);
    expect(await count.json()).toEqual({
      totalTokens: 1010,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 1010 }],
    });
    const list = await fetch(`${s.proxy.url}/v1beta/models?key=${GEMINI_TEST_KEY}&pageSize=5`);
    expect(list.status).toBe(200);
    const [counted, listed] = s.gemini.requests;
    expect(counted!.body.toString('utf8')).toBe(body);
    expect(counted!.headers['x-goog-api-key']).toBe(GEMINI_TEST_KEY);
    expect(listed!.url).toBe(`/v1beta/models?key=${GEMINI_TEST_KEY}&pageSize=5`);
    expect(s.entries).toEqual([]);
    expect(s.proxy.stats().requests).toBe(0);
  });

  it('never writes a key given in the query string to the ledger, the logs or the stats', async () => {
    const s = await setup({ fallback: { kind: 'text', text: 'ok' } });
    const url = `${s.proxy.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse&key=${GEMINI_TEST_KEY}`;
    const res = await post(url, request(shellOutput(bigTestLog(2000, 3), 1)), {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(s.gemini.modelRequests()[0]!.url).toContain(`key=${GEMINI_TEST_KEY}`);
    await waitFor(s.entries, 1);
    await s.proxy.stop();
    const files = await readdir(s.stateDir, { recursive: true, withFileTypes: true });
    const written = await Promise.all(
      files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), 'utf8')),
    );
    const seen = [...written, ...s.lines, JSON.stringify(s.entries), JSON.stringify(s.proxy.stats())];
    expect(written.length).toBeGreaterThan(0);
    for (const text of seen) expect(text).not.toContain('AIzaSy');
  });

  it("passes the provider's errors through as they are, and answers its own in Gemini's error shape", async () => {
    const s = await setup({
      replies: [
        {
          kind: 'error',
          status: 429,
          message: 'Resource has been exhausted (e.g. check quota).',
          statusName: 'RESOURCE_EXHAUSTED',
        },
      ],
    });
    const limited = await post(
      `${s.proxy.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`,
      request('ok'),
    );
    expect([limited.status, await limited.json()]).toEqual([
      429,
      {
        error: {
          code: 429,
          message: 'Resource has been exhausted (e.g. check quota).',
          status: 'RESOURCE_EXHAUSTED',
        },
      },
    ]);
    const badKey = await post(`${s.proxy.url}/v1beta/models/${MODEL}:generateContent`, request('ok'), {
      ...headers,
      'x-goog-api-key': 'AIzaSy-wrong',
    });
    expect(badKey.status).toBe(400);
    expect(((await badKey.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
    const unknown = await post(
      `${s.proxy.url}/v1beta/models/chat-bison-001:generateContent`,
      request('ok'),
      headers,
    );
    expect(unknown.status).toBe(404);
    await s.gemini.close();
    const down = await post(`${s.proxy.url}/v1beta/models/${MODEL}:generateContent`, request('ok'));
    expect(down.status).toBe(502);
    const error = ((await down.json()) as { error: { code: number; message: string; status: string } }).error;
    expect(error).toMatchObject({ code: 502, status: 'UNAVAILABLE' });
    expect(error.message).toMatch(/^headroom could not reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
  });

  it('sends a /v1 model call keyed only by ?key= to Gemini, never to OpenAI (which would get the key)', async () => {
    const s = await setup({ fallback: { kind: 'text', text: 'ok' } });
    const res = await post(
      `${s.proxy.url}/v1/models/${MODEL}:generateContent?key=${GEMINI_TEST_KEY}`,
      request('ok'),
      { 'content-type': 'application/json' },
    );
    expect(res.status).toBe(200);
    expect(s.gemini.modelRequests()[0]!.url).toBe(
      `/v1/models/${MODEL}:generateContent?key=${GEMINI_TEST_KEY}`,
    );
    const [entry] = await waitFor(s.entries, 1);
    expect(entry).toMatchObject({ provider: 'gemini', model: MODEL });
    // Any other call keyed by `?key=` (a model listing, which OpenAI's `/v1/models` shares) goes there too.
    const list = await fetch(`${s.proxy.url}/v1/models?pageSize=5&key=${GEMINI_TEST_KEY}`);
    expect(list.status).toBe(200);
    expect(s.gemini.requests.at(-1)!.url).toBe(`/v1/models?pageSize=5&key=${GEMINI_TEST_KEY}`);
  });

  it('routes Gemini paths to the Gemini upstream whichever agent the proxy was started for', async () => {
    const s = await setup({ fallback: { kind: 'text', text: 'ok' } }, 'claude');
    const res = await post(`${s.proxy.url}/v1beta/models/${MODEL}:generateContent`, request('ok'));
    expect(res.status).toBe(200);
    expect(s.gemini.modelRequests()).toHaveLength(1);
    const health = (await (await fetch(`${s.proxy.url}/health`)).json()) as {
      upstreams: Record<string, string>;
    };
    expect(health.upstreams.gemini).toBe(`${s.gemini.url}/`);
  });
});
