/**
 * Proxy benchmark: the same requests sent straight to a fake provider and through the proxy, in one run.
 * The proxy runs in its own process (as `wrap` runs it, minus the agent), so its peak RSS is its own.
 *
 *   npm run bench:proxy            # full run
 *   BENCH_QUICK=1 npm run bench:proxy
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const QUICK = process.env.BENCH_QUICK === '1';
const N_SMALL = QUICK ? 300 : 2000;
const N_BIG = QUICK ? 10 : 40;
const N_TTFB = QUICK ? 100 : 500;
const RPS_ROUNDS = QUICK ? 3 : 8;
const RPS_CONCURRENCY = 32;

// --- a minimal fake provider: answers fast, does no parsing, so the difference is the proxy --------------

const JSON_REPLY = Buffer.from(
  JSON.stringify({
    id: 'msg_bench',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content: [{ type: 'text', text: 'ok' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  }),
);
const SSE_HEAD = Buffer.from(
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_bench","usage":{"input_tokens":10,"output_tokens":1}}}\n\n',
);
const SSE_TAIL = Buffer.from(
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n',
);

async function startFake(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      if (req.headers['x-bench-stream'] === '1') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(SSE_HEAD);
        setTimeout(() => res.end(SSE_TAIL), 5);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': JSON_REPLY.length });
      res.end(JSON_REPLY);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// --- a client with keep-alive, measuring total time and time to first byte -----------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function send(
  base: string,
  body: Buffer,
  stream = false,
): Promise<{ total: number; ttfb: number; status: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(
      `${base}/v1/messages`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'x-api-key': 'sk-bench',
          'anthropic-version': '2023-06-01',
          ...(stream ? { 'x-bench-stream': '1' } : {}),
        },
      },
      (res) => {
        let ttfb = 0;
        res.on('data', () => {
          if (ttfb === 0) ttfb = performance.now() - start;
        });
        res.on('end', () => resolve({ total: performance.now() - start, ttfb, status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// --- request bodies --------------------------------------------------------------------------------------

const SYSTEM = [
  {
    type: 'text',
    text: `You are Claude Code.\n${'Follow the rules. '.repeat(2000)}`,
    cache_control: { type: 'ephemeral' },
  },
];
const TOOLS = Array.from({ length: 24 }, (_, i) => ({
  name: `Tool${i}`,
  description: 'A tool. '.repeat(200),
  input_schema: { type: 'object', properties: { arg: { type: 'string' } } },
}));

function logOutput(lines: number, seed: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i += 1) {
    if (i === Math.floor(lines / 2))
      out.push(`ERROR worker-${seed} failed: connection reset by peer (attempt ${seed})`);
    out.push(
      `2026-01-0${(i % 9) + 1}T10:${String(i % 60).padStart(2, '0')}:00Z INFO request id=${seed}-${i} path=/api/items/${i % 311} status=200 ms=${(i * 13) % 97}`,
    );
  }
  return out.join('\n');
}

function jsonOutput(items: number, seed: number): string {
  return JSON.stringify(
    Array.from({ length: items }, (_, i) => ({
      id: `${seed}-${i}`,
      name: `item ${i}`,
      status: i % 250 === 7 ? 'error' : 'ok',
      score: (i * 31) % 100,
    })),
    null,
    2,
  );
}

type Msg = { role: string; content: unknown };

/** About 1 MB of earlier turns (each with a tool result), as an agent session accumulates them. */
function history(): Msg[] {
  const messages: Msg[] = [{ role: 'user', content: 'Investigate the failing nightly job.' }];
  for (let t = 0; t < 8; t += 1) {
    const id = `toolu_hist_${t}`;
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'Bash', input: { command: `step ${t}` } }],
    });
    const output = t % 2 === 0 ? logOutput(1150, 1000 + t) : jsonOutput(1050, 1000 + t);
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: output }] });
  }
  return messages;
}

function bigBody(prefix: Msg[], seed: number): Buffer {
  const id = `toolu_new_${seed}`;
  const messages = [
    ...prefix,
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'Bash', input: { command: 'cat service.log' } }],
    },
    // ~50K tokens of new output.
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: logOutput(1300, seed) }] },
  ];
  return Buffer.from(
    JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      stream: false,
      system: SYSTEM,
      tools: TOOLS,
      messages,
    }),
  );
}

const SMALL = Buffer.from(
  JSON.stringify({
    model: 'claude-sonnet-4-6',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Say hi.' }],
  }),
);

// --- statistics ------------------------------------------------------------------------------------------

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Direct and proxied requests alternate, so both see the same machine load. */
async function paired(
  direct: string,
  proxied: string,
  body: (i: number) => [Buffer, Buffer],
  n: number,
  stream = false,
) {
  const d = { total: [] as number[], ttfb: [] as number[] };
  const p = { total: [] as number[], ttfb: [] as number[] };
  for (let i = 0; i < n; i += 1) {
    const [a, b] = body(i);
    for (const [base, bodyBytes, out] of [
      [direct, a, d],
      [proxied, b, p],
    ] as const) {
      const r = await send(base, bodyBytes, stream);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      out.total.push(r.total);
      out.ttfb.push(r.ttfb);
    }
  }
  return { d, p };
}

async function throughput(base: string, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: RPS_CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await send(base, SMALL);
        done += 1;
      }
    }),
  );
  return done / seconds;
}

/** Alternating one-second rounds; the best round of each, as the least disturbed by other load. */
async function pairedThroughput(direct: string, proxied: string, rounds: number): Promise<[number, number]> {
  let bestDirect = 0;
  let bestProxy = 0;
  for (let r = 0; r < rounds; r += 1) {
    bestDirect = Math.max(bestDirect, await throughput(direct, 1));
    bestProxy = Math.max(bestProxy, await throughput(proxied, 1));
  }
  return [bestDirect, bestProxy];
}

async function proxyStats(base: string): Promise<{ requests: number; compressionMs: { total: number } }> {
  const res = await fetch(`${base}/stats`);
  return (await res.json()) as { requests: number; compressionMs: { total: number } };
}

function peakRss(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function main(): Promise<void> {
  const fake = await startFake();
  const state = await mkdtemp(join(tmpdir(), 'headroom-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname], {
    env: {
      ...process.env,
      BENCH_PROXY_CHILD: '1',
      BENCH_UPSTREAM: fake.url,
      BENCH_STATE: state,
      HEADROOM_HOME: state,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const proxyUrl = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`proxy exited with ${code}`)));
  });
  const rows: [string, string, string, string][] = [];
  try {
    // Warm both paths (JIT, sockets).
    await paired(fake.url, proxyUrl, () => [SMALL, SMALL], 200);

    // (a) small passthrough
    const a = await paired(fake.url, proxyUrl, () => [SMALL, SMALL], N_SMALL);
    const aP50 = percentile(a.p.total, 50) - percentile(a.d.total, 50);
    const aP99 = percentile(a.p.total, 99) - percentile(a.d.total, 99);
    rows.push([
      '(a) small passthrough, added p50 / p99',
      `${fmt(aP50)} / ${fmt(aP99)}`,
      '≤ 2 ms p50',
      aP50 <= 2 ? 'ok' : 'MISSED',
    ]);

    // (b) ~1 MB conversation, one new 50K-token tool result per request (the prefix is memoised after the first)
    const prefix = history();
    let seed = 1;
    const warm = bigBody(prefix, 0);
    await send(proxyUrl, warm);
    const sizeMb = warm.length / 1024 / 1024;
    const bodies = Array.from({ length: N_BIG }, (): [Buffer, Buffer] => [
      bigBody(prefix, seed++),
      bigBody(prefix, seed++),
    ]);
    const statsBefore = await proxyStats(proxyUrl);
    const b = await paired(fake.url, proxyUrl, (i) => bodies[i]!, N_BIG);
    const statsAfter = await proxyStats(proxyUrl);
    const compressionMean =
      (statsAfter.compressionMs.total - statsBefore.compressionMs.total) /
      (statsAfter.requests - statsBefore.requests);
    const bP50 = percentile(b.p.total, 50) - percentile(b.d.total, 50);
    const bP99 = percentile(b.p.total, 99) - percentile(b.d.total, 99);
    rows.push([
      `(b) ${sizeMb.toFixed(2)} MB + new 50K-token result, added p50 / p99`,
      `${fmt(bP50)} / ${fmt(bP99)}`,
      '≤ 25 ms p50',
      bP50 <= 25 ? 'ok' : 'MISSED',
    ]);
    rows.push(['    of which compression (mean, from /stats)', fmt(compressionMean), '', '']);

    // (c) time to first streamed byte
    const c = await paired(fake.url, proxyUrl, () => [SMALL, SMALL], N_TTFB, true);
    const cP50 = percentile(c.p.ttfb, 50) - percentile(c.d.ttfb, 50);
    const cP99 = percentile(c.p.ttfb, 99) - percentile(c.d.ttfb, 99);
    rows.push([
      '(c) time to first byte (stream), added p50 / p99',
      `${fmt(cP50)} / ${fmt(cP99)}`,
      '≤ 2 ms',
      cP50 <= 2 ? 'ok' : 'MISSED',
    ]);

    // (d) throughput, 32 concurrent clients
    const [rpsDirect, rpsProxy] = await pairedThroughput(fake.url, proxyUrl, RPS_ROUNDS);
    rows.push([
      '(d) small passthrough req/s (direct)',
      `${rpsProxy.toFixed(0)} (${rpsDirect.toFixed(0)})`,
      '≥ 500 req/s',
      rpsProxy >= 500 ? 'ok' : 'MISSED',
    ]);

    // (e) peak RSS of the proxy with 20 concurrent ~1 MB requests, each with its own new output
    await Promise.all(Array.from({ length: 20 }, () => send(proxyUrl, bigBody(prefix, seed++))));
    const rss = peakRss(child);
    rows.push([
      '(e) proxy peak RSS, 20 concurrent 1 MB requests',
      `${rss.toFixed(0)} MB`,
      '≤ 300 MB',
      rss <= 300 ? 'ok' : 'MISSED',
    ]);
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => child.once('exit', resolve));
    await fake.close();
    agent.destroy();
    await rm(state, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(
    `\nheadroom proxy benchmark (${QUICK ? 'quick' : 'full'}; Node ${process.version})\n\n`,
  );
  for (const [what, value, target, verdict] of rows) {
    process.stdout.write(
      `${what.padEnd(width)}  ${value.padEnd(22)} target ${target.padEnd(12)} ${verdict}\n`,
    );
  }
}

// --- the proxy, in a child process ----------------------------------------------------------------

async function serveProxy(): Promise<void> {
  const { startProxy } = await import('../src/proxy/server.js');
  const { tokenCounter } = await import('../src/tokens/count.js');
  await tokenCounter('gpt-4o');
  const proxy = await startProxy({
    anthropicUpstream: process.env.BENCH_UPSTREAM!,
    stateDir: process.env.BENCH_STATE!,
    session: 'bench',
  });
  process.stdout.write(`${proxy.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    proxy.stop().then(() => process.exit(0));
  });
}

if (process.env.BENCH_PROXY_CHILD === '1') await serveProxy();
else await main();
