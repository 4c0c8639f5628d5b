import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOriginal } from '../../src/store/file-store.js';
import { heldStore } from '../helpers/held-store.js';
import { bigTestLog, type Harness, type HarnessOptions, startHarness } from '../helpers/proxy-harness.js';

let h: Harness | undefined;
const servers: Server[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const close of closers.splice(0)) await close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function setup(options: HarnessOptions = {}) {
  h = await startHarness(options);
  return h;
}

const BODY = JSON.stringify({
  model: 'claude-sonnet-4-6',
  max_tokens: 5,
  messages: [{ role: 'user', content: 'x' }],
});
const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
const post = (url: string, body = BODY, signal?: AbortSignal) =>
  fetch(`${url}/v1/messages`, { method: 'POST', headers: HEADERS, body, ...(signal ? { signal } : {}) });

describe('upstream timeouts', () => {
  it('answers 504 in the provider format, flagged, when the provider sends nothing', async () => {
    const h = await setup({
      anthropic: { replies: [{ kind: 'raw', reply: { headDelayMs: 5_000, body: '{}' } }] },
      proxy: { timeouts: { firstByteMs: 300 } },
    });
    const res = await post(h.proxy.url);
    expect(res.status).toBe(504);
    expect(res.headers.get('x-headroom-error')).toBe('upstream-first-byte-timeout');
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: { type: 'api_error', message: /did not answer within 0.3 s/ },
    });
    const [entry] = await h.waitForEntries(1);
    expect(entry!.status).toBe(504);
  });

  it('cuts a stream the provider goes silent on, and the ledger says it broke', async () => {
    const h = await setup({
      anthropic: { replies: [{ kind: 'hang', text: 'partial' }] },
      proxy: { timeouts: { idleMs: 300 } },
    });
    const res = await post(h.proxy.url, JSON.stringify({ ...JSON.parse(BODY), stream: true }));
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    const [entry] = await h.waitForEntries(1);
    expect(entry).toMatchObject({ status: 200, stream: 'broken' });
  });

  it('does not cut a stream while the client is slow to read it (an agent suspended, then resumed)', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const h = await setup({
      anthropic: {
        replies: [
          {
            kind: 'raw',
            reply: { headers: { 'content-type': 'text/event-stream' }, chunks: Array(32).fill(chunk) },
          },
        ],
      },
      proxy: { timeouts: { idleMs: 300 } },
    });
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(`${h.proxy.url}/v1/messages`, { method: 'POST', headers: HEADERS }, (res) => {
        res.pause();
        // Reads nothing for longer than the idle timeout, while the provider has more to send.
        setTimeout(() => {
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
          });
          res.on('end', () => resolve(bytes));
          res.on('error', reject);
          res.resume();
        }, 1_000);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ ...JSON.parse(BODY), stream: true }));
    });
    expect(received).toBe(32 * chunk.length);
    const [entry] = await h.waitForEntries(1);
    expect(entry).toMatchObject({ status: 200, stream: 'completed' });
  });

  it('records a client that leaves mid-stream as cancelled and a whole answer as completed', async () => {
    const h = await setup({
      anthropic: {
        replies: [
          { kind: 'text', text: 'hello' },
          { kind: 'hang', text: 'partial' },
        ],
      },
    });
    await (await post(h.proxy.url)).text();
    const controller = new AbortController();
    const res = await post(
      h.proxy.url,
      JSON.stringify({ ...JSON.parse(BODY), stream: true }),
      controller.signal,
    );
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const entries = await h.waitForEntries(2);
    expect(entries.map((e) => e.stream)).toEqual(['completed', 'cancelled']);
  });
});

describe('clients that leave before their request went out', () => {
  it('counts a client that leaves mid-upload as cancelled, sends nothing and logs no error', async () => {
    const logs: string[] = [];
    const h = await setup({ proxy: { log: (line) => logs.push(line) } });
    const socket = connect(h.proxy.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${h.proxy.port}\r\ncontent-type: application/json\r\n` +
        'x-api-key: k\r\ncontent-length: 100000\r\n\r\n{"model":"claude-sonnet-4-6","messages":[',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    const [entry] = await h.waitForEntries(1);
    expect(entry).toMatchObject({ status: 499, stream: 'cancelled', passthroughReason: 'cancelled' });
    expect(h.proxy.stats()).toMatchObject({ compressedRequests: 0, passthroughs: 1 });
    expect(h.anthropic.requests).toHaveLength(0);
    // Give a rejected body read the time to reach the relay's error handler, if it did.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logs).toEqual([]);
  });

  it('counts a client that leaves while its body is compressed as cancelled, with nothing saved', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'headroom-leave-'));
    const { store, reached, release, written } = heldStore(stateDir);
    try {
      const h = await setup({ deps: { store }, proxy: { stateDir } });
      const body = JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 5,
        messages: [
          { role: 'user', content: 'Which test fails?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: bigTestLog(1500) }] },
        ],
      });
      const controller = new AbortController();
      const sending = post(h.proxy.url, body, controller.signal).catch(() => undefined);
      await reached;
      controller.abort();
      await sending;
      const [entry] = await h.waitForEntries(1);
      release();
      expect(entry).toMatchObject({
        status: 499,
        passthroughReason: 'cancelled',
        tokensSaved: 0,
      });
      expect(entry!.tokensBefore).toBe(entry!.tokensAfter);
      expect(h.proxy.stats().compressedRequests).toBe(0);
      expect(h.anthropic.requests).toHaveLength(0);
    } finally {
      release();
      await written();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

/**
 * A provider that answers 413 as soon as a request's head arrives, and reads the rest of the body only
 * `lateMs` later (a front end refusing a body too large); `tail()` gives what it read after answering.
 */
async function startEarlyAnswerProvider(lateMs: number): Promise<{ url: string; tail: () => Buffer }> {
  const after: Buffer[] = [];
  const server = createNetServer((socket) => {
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      if (answered) {
        after.push(chunk);
        return;
      }
      answered = true;
      socket.write(
        'HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
      );
      socket.pause();
      setTimeout(() => socket.resume(), lateMs);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tail: () => Buffer.concat(after),
  };
}

describe("a request's body memory", () => {
  it('is not reused for the next body while an early answer leaves the socket still writing', async () => {
    const early = await startEarlyAnswerProvider(500);
    // Nothing compressed: the bodies still arrive in the relay's reused shared memory.
    const h = await setup({ proxy: { anthropicUpstream: early.url, optimize: false } });
    // Bigger than the loopback socket buffers, so most of it is still to write when the 413 comes.
    const size = 12 * 1024 * 1024;
    const bodyOf = (fill: string) => `{"model":"m","messages":"${fill.repeat(size - 30)}"}`;
    const first = await fetch(`${h.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: HEADERS,
      body: bodyOf('A'),
    });
    expect(first.status).toBe(413);
    await first.text();
    // The next body, another provider's, arrives while the first is still being written.
    const second = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer s' },
      body: bodyOf('B'),
    });
    expect(second.status).toBe(200);
    await second.text();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const tail = early.tail();
    expect(tail.length).toBeGreaterThan(size / 2);
    expect(tail.includes('B')).toBe(false);
  });
});

/** A provider that silently drops every kept-alive connection when the next request arrives on it. */
async function startForgetfulProvider(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const served = new WeakSet<Socket>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (served.has(req.socket)) {
        req.socket.destroy();
        return;
      }
      served.add(req.socket);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'message', content: [], usage: { input_tokens: 1, output_tokens: 1 } }));
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
  };
}

describe('kept-alive sockets the provider closed', () => {
  it('sends the request again on a fresh socket when a reused one fails before any response byte', async () => {
    const provider = await startForgetfulProvider();
    const h = await setup({ proxy: { anthropicUpstream: provider.url } });
    for (let i = 0; i < 5; i += 1) {
      const res = await post(h.proxy.url);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    expect(provider.connections()).toBeGreaterThanOrEqual(5);
    const entries = await h.waitForEntries(5);
    expect(entries.every((e) => e.status === 200)).toBe(true);
  });
});

describe('graceful close', () => {
  it('finishes requests in flight before closing, and refuses new connections meanwhile', async () => {
    const h = await setup({
      anthropic: { replies: [{ kind: 'raw', reply: { headDelayMs: 400, body: '{"ok":true}' } }] },
    });
    const inflight = post(h.proxy.url);
    while (h.anthropic.messageRequests().length === 0) await new Promise((r) => setTimeout(r, 5));
    const closing = h.proxy.close({ drainMs: 5_000 });
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"ok":true}');
    await closing;
    await expect(post(h.proxy.url)).rejects.toThrow();
    const [entry] = await h.waitForEntries(1);
    expect(entry).toMatchObject({ status: 200, stream: 'completed' });
  });
});

describe('retrieval is byte for byte', () => {
  it('gives back a tool output with lone surrogates exactly as the client sent it', async () => {
    const h = await setup();
    const lines = Array.from(
      { length: 3000 },
      (_, i) => `PASS src/module-${i % 97}/feature-${i}.test.ts (${i % 50} ms)`,
    );
    lines[1500] = 'FAIL src/billing/invoice.test.ts \ud800 broken \udfff half pairs';
    const output = lines.join('\n');
    const body = JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 5,
      messages: [
        { role: 'user', content: 'run the tests' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'npm test' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: output }] },
      ],
    });
    expect(body).toContain('\\ud800');
    await (await post(h.proxy.url, body)).arrayBuffer();
    const sent = h.anthropic.messageRequests()[0]!.body.toString('utf8');
    const hash = /hash=([0-9a-f]{12})/.exec(sent)![1]!;
    expect(await readOriginal(hash, h.stateDir)).toBe(output);
  });
});
