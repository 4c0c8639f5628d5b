/**
 * The Responses WebSocket transport through the proxy, against a fake upstream that speaks it on loopback:
 * the upgrade is relayed, `response.create` input is compressed as over HTTP, everything else passes
 * byte for byte, usage reaches the ledger, and a refused upgrade becomes 426.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FakeOpenAIOptions } from '../helpers/fake-openai.js';
import { heldStore } from '../helpers/held-store.js';
import { bigTestLog, type Harness, startHarness } from '../helpers/proxy-harness.js';

let h: Harness | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await h?.close();
  h = undefined;
});

const LOG = bigTestLog(1500);
const HEADERS = { authorization: 'Bearer sk-proj-socket', 'openai-beta': 'responses_websockets=2026-02-06' };

/** Codex's first turn after a command ran: the call, then its output (header and a long test log). */
function createFrame(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'response.create',
    model: 'gpt-5',
    instructions: 'You are Codex.',
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Which test fails and why?' }] },
      { type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"npm test"}' },
      {
        type: 'function_call_output',
        call_id: 'call_1',
        output: `Chunk ID: 1\nWall time: 2.0 seconds\nProcess exited with code 1\nOriginal token count: 30000\nOutput:\n${LOG}`,
      },
    ],
    tools: [],
    stream: true,
    ...extra,
  });
}

async function setup(openai: FakeOpenAIOptions) {
  h = await startHarness({ openai });
  return h;
}

/** Opens a client socket on the proxy and collects what it receives. */
async function connect(url: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/responses`, { headers: HEADERS });
  sockets.push(socket);
  const received: { data: Buffer; binary: boolean }[] = [];
  socket.on('message', (data: Buffer, binary) => received.push({ data, binary }));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/**
 * Whether `check` held at every look for `ms`. Unbuffered, a side that is not read has its peer's whole
 * send taken into the proxy's memory within about a second here; held back, it never is.
 */
async function holds(check: () => boolean, ms = 2500): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (!check()) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** The status the proxy answers a refused upgrade with, as a WebSocket client sees it. */
function refusedStatus(url: string, headers: Record<string, string> = HEADERS): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/responses`, { headers });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', () => undefined);
  });
}

describe('Responses over WebSocket through the proxy', () => {
  it('compresses response.create input, relays the events, and counts usage from response.completed', async () => {
    const h = await setup({
      websocket: 'accept',
      replies: [{ kind: 'text', text: 'The rounding test fails.' }],
    });
    const { received } = await connect(h.proxy.url);
    const frame = createFrame();
    sockets[0]!.send(frame);
    const [entry] = await h.waitForEntries(1);

    const upstream = h.openai.modelRequests();
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.headers.authorization).toBe('Bearer sk-proj-socket');
    expect(upstream[0]!.headers['openai-beta']).toBe('responses_websockets=2026-02-06');
    const sent = upstream[0]!.json<{ input: { output?: string }[]; instructions: string }>();
    const output = sent.input[2]!.output!;
    expect(output.length).toBeLessThan(LOG.length / 3);
    expect(output).toContain('Error: expected 10.05 to equal 10.06');
    expect(output).toMatch(/hash=[0-9a-f]{12}/);
    // Only the tool output changed: every other byte of the frame is the client's.
    const original = JSON.parse(frame) as { input: { output?: string }[] };
    original.input[2]!.output = output;
    expect(upstream[0]!.body.toString('utf8')).toBe(JSON.stringify(original));

    await until(() => received.some((m) => m.data.includes('"response.completed"')), 'response.completed');
    const types = received.map((m) => (JSON.parse(m.data.toString('utf8')) as { type: string }).type);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(received.every((m) => !m.binary)).toBe(true);

    expect(entry).toMatchObject({
      provider: 'openai',
      model: 'gpt-5',
      path: '/v1/responses',
      status: 200,
    });
    expect(entry!.tokensSaved).toBeGreaterThan(entry!.tokensBefore / 2);
    // The fake reports a quarter of the bytes it received as input tokens: what went upstream, compressed.
    expect(entry!.usage?.inputTokens).toBe(Math.ceil(upstream[0]!.body.length / 4));
    expect(entry!.usage?.outputTokens).toBe(9);
  });

  it('relays other frames byte for byte, in order, text and binary', async () => {
    const h = await setup({ websocket: 'accept', replies: [{ kind: 'text', text: 'ok' }] });
    await connect(h.proxy.url);
    const other = Buffer.from('{"type":"response.cancel" , "response_id":"resp_1"}');
    const binary = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    const notJson = Buffer.from('not json "response.create"');
    sockets[0]!.send(createFrame());
    sockets[0]!.send(other);
    sockets[0]!.send(binary, { binary: true });
    sockets[0]!.send(notJson);
    await until(() => h.openai.frames.length === 4, 'four frames upstream');
    const frames = h.openai.frames;
    expect(JSON.parse(frames[0]!.toString('utf8')).type).toBe('response.create');
    expect(frames[1]!.equals(other)).toBe(true);
    expect(frames[2]!.equals(binary)).toBe(true);
    expect(frames[3]!.equals(notJson)).toBe(true);
  });

  it('counts an error event with its status and passes it to the client', async () => {
    const h = await setup({
      websocket: 'accept',
      replies: [
        { kind: 'error', status: 400, message: 'Invalid value for input', type: 'invalid_request_error' },
      ],
    });
    const { received } = await connect(h.proxy.url);
    sockets[0]!.send(createFrame());
    const [entry] = await h.waitForEntries(1);
    expect(entry!.status).toBe(400);
    // Refused before a response was created: nothing was billed, so nothing is claimed as saved.
    expect(entry).toMatchObject({ passthroughReason: 'refused', tokensSaved: 0 });
    await until(() => received.length === 1, 'the error event');
    expect(received[0]!.data.toString('utf8')).toContain('Invalid value for input');
  });

  it('ends the call an error answers, not the oldest open one', async () => {
    const h = await setup({
      websocket: 'accept',
      replies: [
        { kind: 'hang', text: 'still thinking' },
        { kind: 'error', status: 400, message: 'Invalid value for input', type: 'invalid_request_error' },
      ],
    });
    const { socket, received } = await connect(h.proxy.url);
    socket.send(createFrame());
    await until(() => received.length > 0, 'the first response to start');
    // A second frame while the first response streams: the provider refuses it with an id-less error.
    socket.send(createFrame({ model: 'gpt-5-mini' }));
    const [refused] = await h.waitForEntries(1);
    expect(refused).toMatchObject({ model: 'gpt-5-mini', status: 400, passthroughReason: 'refused' });
    // The first call is still open until its client leaves.
    socket.close(1000);
    const [, cut] = await h.waitForEntries(2);
    expect(cut).toMatchObject({ model: 'gpt-5', status: 499, stream: 'cancelled' });
    expect(cut!.tokensSaved).toBeGreaterThan(0);
  });

  it('counts response.failed as a failure (500), not a success, and keeps what ran billed', async () => {
    const h = await setup({ websocket: 'accept', replies: [{ kind: 'stream-error', text: 'partial' }] });
    const { received } = await connect(h.proxy.url);
    sockets[0]!.send(createFrame());
    const [entry] = await h.waitForEntries(1);
    expect(entry!.status).toBe(500);
    // The response was created and ran: the compressed input was billed, so its saving stands.
    expect(entry!.passthroughReason).toBeUndefined();
    expect(entry!.tokensSaved).toBeGreaterThan(0);
    expect(h.proxy.stats().errors).toBe(1);
    await until(() => received.some((m) => m.data.includes('"response.failed"')), 'response.failed');
  });

  it('closes both sides when the upstream is silent while it owes a response, and counts the call broken', async () => {
    h = await startHarness({
      openai: {
        websocket: 'accept',
        replies: [
          { kind: 'text', text: 'ok' },
          { kind: 'hang', text: 'never ends' },
        ],
      },
      proxy: { timeouts: { idleMs: 300 } },
    });
    const { socket } = await connect(h.proxy.url);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    );
    // Nothing owed: a quiet socket is idle by design and stays open past the idle time.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.send(createFrame());
    await h.waitForEntries(1);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    // Now the response starts and the upstream goes silent without closing.
    socket.send(createFrame());
    const { code, reason } = await closed;
    expect(code).toBe(1011);
    expect(reason).toBe('headroom: the upstream was silent for 0.3 s');
    const [, entry] = await h.waitForEntries(2);
    expect(entry).toMatchObject({ status: 504, stream: 'broken' });
    // The upstream's socket was closed too.
    await until(
      () => h!.openai.socketBuffered() === 0 && h!.proxy.stats().requests === 2,
      'the upstream side',
    );
  });

  it('stops reading the upstream while the client does not read, and relays every frame unchanged after', async () => {
    const text = 'abcdefghij'.repeat(1_200_000);
    const h = await setup({ websocket: 'accept', replies: [{ kind: 'text', text }] });
    const { socket, received } = await connect(h.proxy.url);
    socket.pause();
    socket.send(createFrame());
    await until(() => h.openai.frames.length === 1, 'the frame upstream');
    // The fake has queued its whole answer (~60 MB); the proxy must leave most of it unread.
    expect(await holds(() => h.openai.socketBuffered() > 20_000_000)).toBe(true);
    socket.resume();
    await until(() => received.some((m) => m.data.includes('"response.completed"')), 'response.completed');
    const events = received.map(
      (m) => JSON.parse(m.data.toString('utf8')) as { sequence_number: number; delta?: string; type: string },
    );
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe(text);
    expect(h.openai.socketBuffered()).toBe(0);
  });

  it('stops reading the client while the upstream does not read, and relays every frame unchanged after', async () => {
    const h = await setup({ websocket: 'accept' });
    const { socket } = await connect(h.proxy.url);
    h.openai.holdSockets(true);
    const frames = Array.from({ length: 8 }, (_, i) => Buffer.alloc(8_000_000, i));
    for (const frame of frames) socket.send(frame, { binary: true });
    // 64 MB sent; the proxy must leave most of it with the client rather than buffer it for the upstream.
    expect(await holds(() => socket.bufferedAmount > 30_000_000)).toBe(true);
    h.openai.holdSockets(false);
    await until(() => h.openai.frames.length === frames.length, 'every frame upstream');
    expect(h.openai.frames.every((frame, i) => frame.equals(frames[i]!))).toBe(true);
    expect(socket.bufferedAmount).toBe(0);
  });

  it('passes a frame it cannot compress through unchanged and records why', async () => {
    const h = await setup({ websocket: 'accept', replies: [{ kind: 'text', text: 'ok' }] });
    await connect(h.proxy.url);
    const frame = JSON.stringify({ type: 'response.create', model: 'gpt-5', input: 'just a string' });
    sockets[0]!.send(frame);
    const [entry] = await h.waitForEntries(1);
    expect(h.openai.frames[0]!.toString('utf8')).toBe(frame);
    expect(entry!.passthroughReason).toBe('nothing-to-compress');
  });

  it('counts the tokens of a frame with nothing to compress, as the same body over HTTP', async () => {
    const h = await setup({ websocket: 'accept', replies: [{ kind: 'text', text: 'ok' }] });
    await connect(h.proxy.url);
    // A later Codex frame: only the new item, nothing big enough to compress.
    const fields = {
      model: 'gpt-5',
      instructions: 'You are Codex, a coding agent. '.repeat(40),
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And now?' }] }],
    };
    sockets[0]!.send(JSON.stringify({ type: 'response.create', ...fields }));
    const [overSocket] = await h.waitForEntries(1);
    const res = await fetch(`${h.proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { ...HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });
    await res.text();
    const [, overHttp] = await h.waitForEntries(2);
    expect(overSocket!.passthroughReason).toBe('nothing-to-compress');
    expect(overSocket!.tokensBefore).toBeGreaterThan(300);
    // The frame's `type` field adds a few tokens; the instructions are what count.
    expect(Math.abs(overSocket!.tokensBefore - overHttp!.tokensBefore)).toBeLessThan(10);
    expect(overSocket!.tokensAfter).toBe(overSocket!.tokensBefore);
  });

  it('sends the frame as it came when compression fails, and records why', async () => {
    h = await startHarness({
      openai: { websocket: 'accept', replies: [{ kind: 'text', text: 'ok' }] },
      deps: {
        compress: () => {
          throw new Error('compressor bug');
        },
      },
    });
    await connect(h.proxy.url);
    const frame = createFrame();
    sockets[0]!.send(frame);
    const [entry] = await h.waitForEntries(1);
    expect(h.openai.frames[0]!.toString('utf8')).toBe(frame);
    expect(entry!.passthroughReason).toBe('compression-error');
    expect(entry!.status).toBe(200);
  });

  it('answers 426 when the upstream refuses the upgrade, so the client uses HTTP', async () => {
    const h = await setup({ websocket: 404 });
    expect(await refusedStatus(h.proxy.url)).toBe(426);
    expect(h.openai.upgrades).toHaveLength(1);
    expect(h.openai.upgrades[0]!.authorization).toBe('Bearer sk-proj-socket');
  });

  it('refuses an upgrade a web page asks for (foreign Origin) without asking the upstream', async () => {
    const h = await setup({ websocket: 'accept' });
    expect(await refusedStatus(h.proxy.url, { ...HEADERS, origin: 'https://evil.example' })).toBe(403);
    expect(h.openai.upgrades).toHaveLength(0);
    // An agent (no Origin) still gets through.
    await connect(h.proxy.url);
    expect(h.openai.upgrades).toHaveLength(1);
  });

  it('serves a request asking for another upgrade (h2c) as plain HTTP/1.1', async () => {
    const h = await setup({});
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${h.proxy.url}/health`, {
        headers: {
          connection: 'Upgrade, HTTP2-Settings',
          upgrade: 'h2c',
          'http2-settings': 'AAMAAABkAAQCAAAAAAIAAAAA',
        },
      });
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toMatchObject({ status: 'ok', service: 'headroom' });
  });

  it('answers 426 to an upgrade it cannot relay (a target that is no path, duplicated subprotocols)', async () => {
    const h = await setup({ websocket: 'accept' });
    const port = h.proxy.port;
    const upgrade = (target: string, extra: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        let got = '';
        socket.on('data', (chunk: Buffer) => {
          got += chunk.toString('latin1');
        });
        socket.on('close', () => resolve(got));
        socket.on('error', () => undefined);
        socket.write(
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
        );
      });
    const absolute = await upgrade('http://a@b/v1/responses', '');
    const duplicated = await upgrade('/v1/responses', 'Sec-WebSocket-Protocol: a, a\r\n');
    for (const answer of [absolute, duplicated])
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 426 Upgrade Required');
    expect(h.openai.upgrades).toHaveLength(0);
    // Still serving: nothing was thrown at the process.
    expect((await fetch(`${h.proxy.url}/health`)).status).toBe(200);
  });

  it('answers 426 when the upstream cannot be reached', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    h = await startHarness({ proxy: { openaiUpstream: `http://127.0.0.1:${port}` } });
    expect(await refusedStatus(h.proxy.url)).toBe(426);
  });

  it('counts a response cut short when the client leaves (499)', async () => {
    const h = await setup({ websocket: 'accept', replies: [{ kind: 'hang', text: 'never ends' }] });
    const { socket, received } = await connect(h.proxy.url);
    socket.send(createFrame());
    await until(() => received.length > 0, 'the start of the response');
    socket.close(1000);
    const [entry] = await h.waitForEntries(1);
    expect(entry!.status).toBe(499);
    expect(entry!.usage).toBeUndefined();
    expect(entry!.tokensSaved).toBeGreaterThan(0);
  });

  it('counts a call whose client left while its frame was compressed, and a stop does not wait for it', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'headroom-ws-store-'));
    // The originals' write is held until the client has gone: the frame is still being compressed then.
    const { store, reached, release, written } = heldStore(stateDir);
    h = await startHarness({ openai: { websocket: 'accept' }, deps: { store } });
    try {
      const { socket } = await connect(h.proxy.url);
      socket.send(createFrame());
      await reached;
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.terminate();
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      const [entry] = await h.waitForEntries(1);
      expect(entry).toMatchObject({ status: 499, passthroughReason: 'cancelled', tokensSaved: 0 });
      // Nothing was sent for it, and nothing is left for a stop to wait on.
      expect(h.openai.frames).toHaveLength(0);
      expect(h.proxy.stats().requests).toBe(1);
      await h.proxy.close({ drainMs: 60_000 });
    } finally {
      release();
      await written();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('closes open sockets with 1001 when the proxy stops', async () => {
    const h = await setup({ websocket: 'accept' });
    const { socket } = await connect(h.proxy.url);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await h.proxy.stop();
    expect(await closed).toBe(1001);
  });
});
