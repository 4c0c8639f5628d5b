/**
 * Proxy benchmark: the same requests sent straight to a fake provider, through a bare 16-line node:http
 * pipe (the floor any proxy pays), and through headroom, in one run. The pipe and the proxy each run in
 * their own process from the built `dist/` (as users run them), so their CPU time and RSS are their own.
 *
 *   npm run bench:proxy            # full run
 *   BENCH_QUICK=1 npm run bench:proxy
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WORKER_IDLE_MS } from '../src/proxy/compress-pool.js';
import {
  bigBody,
  freshConversation,
  growingConversation,
  growingResponses,
  history,
  SMALL,
} from './bench/proxy-bodies.js';

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

/** Where a model call goes, with the headers its agent sends (they decide the provider). */
interface Route {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}
const MESSAGES: Route = {
  path: '/v1/messages',
  headers: { 'x-api-key': 'sk-bench', 'anthropic-version': '2023-06-01' },
};
const RESPONSES: Route = { path: '/v1/responses', headers: { authorization: 'Bearer sk-bench' } };

function send(
  base: string,
  body: Buffer,
  stream = false,
  route = MESSAGES,
): Promise<{ total: number; ttfb: number; status: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(
      `${base}${route.path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          ...route.headers,
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

interface BenchStats {
  requests: number;
  compressionMs: { total: number };
  byProvider: Record<string, { tokensSaved: number } | undefined>;
}

async function proxyStats(base: string): Promise<BenchStats> {
  const res = await fetch(`${base}/stats`);
  return (await res.json()) as BenchStats;
}

function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

/** CPU time (user + system, all threads) a process has used, ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

const ROOT = new URL('..', import.meta.url).pathname;

/** The floor: a bare node:http pipe to the same upstream, with a keep-alive agent, and nothing else. */
const PIPE = `
import http from 'node:http';
const up = new URL(process.env.UPSTREAM);
const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((req, res) => {
  const out = http.request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers, agent }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  out.on('error', () => { res.statusCode = 502; res.end(); });
  req.pipe(out);
});
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

const PROXY = `
import { startProxy } from '${ROOT}dist/proxy/server.js';
const proxy = await startProxy({ anthropicUpstream: process.env.UPSTREAM, openaiUpstream: process.env.UPSTREAM, stateDir: process.env.HEADROOM_HOME, session: 'bench' });
console.log(proxy.url);
process.stdin.resume();
process.stdin.on('end', () => proxy.stop().then(() => process.exit(0)));
`;

interface Child {
  readonly url: string;
  readonly pid: number;
  /** ms from spawn to listening. */
  readonly startMs: number;
  stop(): Promise<void>;
}

async function spawnServer(source: string, env: Record<string, string>): Promise<Child> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', source], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // A server that already exited must not crash the bench when told to stop.
  child.stdin!.on('error', () => undefined);
  child.on('exit', (code, signal) => process.stderr.write(`server ${child.pid} exited ${code} ${signal}\n`));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid!,
    startMs: performance.now() - started,
    stop: async () => {
      child.stdin!.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** Waits until the server has been idle (under 5 ms of CPU in 300 ms): leftover compression must not count. */
async function settle(server: Child): Promise<void> {
  for (let last = cpuMs(server.pid); ; ) {
    await new Promise((r) => setTimeout(r, 300));
    const now = cpuMs(server.pid);
    if (now - last < 5) return;
    last = now;
  }
}

/** CPU the server spent per request while `work` ran, ms. */
async function cpuPerRequest(server: Child, n: number, work: () => Promise<unknown>): Promise<number> {
  await settle(server);
  const before = cpuMs(server.pid);
  await work();
  // Work a request started (a token count for the ledger) belongs to it.
  await settle(server);
  return (cpuMs(server.pid) - before) / n;
}

/** Rounds of `alternatingCpu`: the machine's load drifts, and one round of each would measure the drift. */
const CPU_ROUNDS = QUICK ? 1 : 4;

/**
 * CPU per request of the pipe and of the proxy for the same work, measured in alternating rounds. The
 * ratio is the median of the rounds' ratios (each round's pair ran back to back; a round the machine
 * slowed counts once), the times the medians of each.
 */
async function alternatingCpu(
  pipe: Child,
  proxy: Child,
  n: number,
  work: (server: Child) => Promise<unknown>,
): Promise<{ pipe: number; proxy: number; ratio: number; rounds: string }> {
  const rounds = { pipe: [] as number[], proxy: [] as number[] };
  for (let r = 0; r < CPU_ROUNDS; r += 1) {
    rounds.pipe.push(await cpuPerRequest(pipe, n, () => work(pipe)));
    rounds.proxy.push(await cpuPerRequest(proxy, n, () => work(proxy)));
  }
  const ratios = rounds.proxy.map((p, i) => p / rounds.pipe[i]!);
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return {
    pipe: percentile(rounds.pipe, 50),
    proxy: percentile(rounds.proxy, 50),
    ratio: sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
    rounds: `rounds ${ratios.map((x) => x.toFixed(2)).join(', ')}`,
  };
}

async function sequential(
  base: string,
  body: (i: number) => Buffer,
  n: number,
  route?: Route,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const r = await send(base, body(i), false, route);
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    out.push(r.total);
  }
  return out;
}

/** p50 and slowest of a burst of concurrent requests: the slowest says how near the deadline it came. */
async function concurrentTimes(base: string, bodies: Buffer[]): Promise<{ p50: number; max: number }> {
  const results = await Promise.all(bodies.map((b) => send(base, b)));
  if (results.some((r) => r.status !== 200)) throw new Error('a concurrent request failed');
  const totals = results.map((r) => r.total);
  return { p50: percentile(totals, 50), max: Math.max(...totals) };
}

function timeCommand(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env } });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}`);
  return performance.now() - started;
}

type Row = [string, string, string, boolean | undefined];

async function main(): Promise<void> {
  process.stderr.write('building dist/ …\n');
  // `npm run build`: tsc, then the token tables dist/ ships (src/tokens/bpe-load.ts).
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('build failed');
  const fake = await startFake();
  const state = await mkdtemp(join(tmpdir(), 'headroom-bench-'));
  const rows: Row[] = [];
  const env = { UPSTREAM: fake.url, HEADROOM_HOME: state };

  // (1) A fresh proxy answers a request with nothing to compress at once (its workers still loading).
  const fresh = await spawnServer(PROXY, env);
  const firstAnswer = (await send(fresh.url, SMALL)).total;
  rows.push([
    '(1) fresh proxy: first nothing-to-compress request',
    `${fmt(firstAnswer)} (listening after ${fmt(fresh.startMs)})`,
    '≤ 50 ms',
    firstAnswer <= 50,
  ]);
  await fresh.stop();

  const pipe = await spawnServer(PIPE, env);
  const proxy = await spawnServer(PROXY, env);
  try {
    // Warm every path (JIT, sockets, workers and tokenizer).
    await paired(fake.url, proxy.url, () => [SMALL, SMALL], 200);
    await sequential(pipe.url, () => SMALL, 200);
    await send(proxy.url, bigBody(history(), 0));
    await settle(proxy);
    const warmRss = procStatus(proxy.pid, 'VmRSS');

    // (2) small passthrough: latency and CPU against the pipe
    const small = await alternatingCpu(pipe, proxy, N_SMALL, (server) =>
      sequential(server.url, () => SMALL, N_SMALL),
    );
    const lat = { pipe: [] as number[], proxy: [] as number[], direct: [] as number[] };
    for (let i = 0; i < N_SMALL; i += 1) {
      lat.direct.push((await send(fake.url, SMALL)).total);
      lat.pipe.push((await send(pipe.url, SMALL)).total);
      lat.proxy.push((await send(proxy.url, SMALL)).total);
    }
    const [pipeP50, proxyP50, directP50] = [
      percentile(lat.pipe, 50),
      percentile(lat.proxy, 50),
      percentile(lat.direct, 50),
    ];
    rows.push([
      '(2) small passthrough latency p50: proxy / pipe / direct',
      `${fmt(proxyP50)} / ${fmt(pipeP50)} / ${fmt(directP50)} = ${ratio(proxyP50, pipeP50)}`,
      '≤ 1.3× pipe',
      proxyP50 <= 1.3 * pipeP50,
    ]);
    rows.push([
      '    CPU per small request: proxy / pipe',
      `${fmt(small.proxy)} / ${fmt(small.pipe)}, median of round ratios ${small.ratio.toFixed(2)}× (${small.rounds})`,
      '≤ 2× pipe',
      small.ratio <= 2,
    ]);

    // (3) throughput at 32 concurrent clients, against direct
    const [rpsDirect, rpsProxy] = await pairedThroughput(fake.url, proxy.url, RPS_ROUNDS);
    rows.push([
      '(3) small passthrough req/s: proxy / direct',
      `${rpsProxy.toFixed(0)} / ${rpsDirect.toFixed(0)} = ${ratio(rpsProxy, rpsDirect)}`,
      '≥ 0.3× direct',
      rpsProxy >= 0.3 * rpsDirect,
    ]);

    // (4) a repeated ~1 MB conversation whose blocks are all known
    const prefix = history();
    const repeated = bigBody(prefix, 0);
    const sizeMb = repeated.length / 1024 / 1024;
    const nRepeat = QUICK ? 20 : 60;
    const repeat = await alternatingCpu(pipe, proxy, nRepeat, (server) =>
      sequential(server.url, () => repeated, nRepeat),
    );
    rows.push([
      `(4) repeated ${sizeMb.toFixed(2)} MB conversation, CPU per request: proxy / pipe`,
      `${fmt(repeat.proxy)} / ${fmt(repeat.pipe)}, median of round ratios ${repeat.ratio.toFixed(2)}× (${repeat.rounds})`,
      '≤ 1.5× pipe',
      repeat.ratio <= 1.5,
    ]);

    // (4b) the same conversation as agents send it: one more small exchange per request, marker moving
    const growing = growingConversation(nRepeat);
    const pipeGrowCpu = await cpuPerRequest(pipe, nRepeat, () =>
      sequential(pipe.url, (i) => growing[i]!, nRepeat),
    );
    const proxyGrowCpu = await cpuPerRequest(proxy, nRepeat, () =>
      sequential(proxy.url, (i) => growing[i]!, nRepeat),
    );
    rows.push([
      '(4b) the same, one small exchange more per request, CPU: proxy / pipe',
      `${fmt(proxyGrowCpu)} / ${fmt(pipeGrowCpu)} = ${ratio(proxyGrowCpu, pipeGrowCpu)}`,
      '(as agents send)',
      undefined,
    ]);

    // (4c) a long session as agents send it: every turn resends all earlier ones; CPU per turn at its end
    const longTurns = QUICK ? 200 : 400;
    const long = growingConversation(longTurns);
    const tail = longTurns / 4;
    const lastMb = long.at(-1)!.length / 1024 / 1024;
    await sequential(pipe.url, (i) => long[i]!, longTurns - tail);
    await sequential(proxy.url, (i) => long[i]!, longTurns - tail);
    const pipeLongCpu = await cpuPerRequest(pipe, tail, () =>
      sequential(pipe.url, (i) => long[longTurns - tail + i]!, tail),
    );
    const proxyLongCpu = await cpuPerRequest(proxy, tail, () =>
      sequential(proxy.url, (i) => long[longTurns - tail + i]!, tail),
    );
    rows.push([
      `(4c) turns ${longTurns - tail + 1}–${longTurns} of a session (${lastMb.toFixed(2)} MB at the end), CPU: proxy / pipe`,
      `${fmt(proxyLongCpu)} / ${fmt(pipeLongCpu)} = ${ratio(proxyLongCpu, pipeLongCpu)}`,
      '(as agents send)',
      undefined,
    ]);

    // (4d) a Codex session as it sends it (Responses API): instructions first, one more call per request
    const codex = growingResponses(nRepeat + 1);
    const codexMb = codex.at(-1)!.length / 1024 / 1024;
    // Its first turn (its history compressed once, as on any first turn) is not what a turn costs.
    for (const server of [pipe, proxy]) await sequential(server.url, () => codex[0]!, 1, RESPONSES);
    const pipeCodexCpu = await cpuPerRequest(pipe, nRepeat, () =>
      sequential(pipe.url, (i) => codex[i + 1]!, nRepeat, RESPONSES),
    );
    const proxyCodexCpu = await cpuPerRequest(proxy, nRepeat, () =>
      sequential(proxy.url, (i) => codex[i + 1]!, nRepeat, RESPONSES),
    );
    // Measured only if it was compressed: a passthrough would flatter the proxy.
    if (!((await proxyStats(proxy.url)).byProvider.openai?.tokensSaved ?? 0)) {
      throw new Error('the Codex session went through the proxy uncompressed');
    }
    rows.push([
      `(4d) a Codex session (${codexMb.toFixed(2)} MB, Responses API), one call more per request, CPU: proxy / pipe`,
      `${fmt(proxyCodexCpu)} / ${fmt(pipeCodexCpu)} = ${ratio(proxyCodexCpu, pipeCodexCpu)}`,
      '(as agents send)',
      undefined,
    ]);

    // (5) the same conversation plus one new 50K-token tool result per request
    let seed = 1;
    const bodies = Array.from({ length: N_BIG }, (): [Buffer, Buffer] => [
      bigBody(prefix, seed++),
      bigBody(prefix, seed++),
    ]);
    const statsBefore = await proxyStats(proxy.url);
    const b = await paired(fake.url, proxy.url, (i) => bodies[i]!, N_BIG);
    const statsAfter = await proxyStats(proxy.url);
    const compressionMean =
      (statsAfter.compressionMs.total - statsBefore.compressionMs.total) /
      (statsAfter.requests - statsBefore.requests);
    const bP50 = percentile(b.p.total, 50) - percentile(b.d.total, 50);
    const bP99 = percentile(b.p.total, 99) - percentile(b.d.total, 99);
    rows.push([
      `(5) ${sizeMb.toFixed(2)} MB + new 50K-token result, added p50 / p99`,
      `${fmt(bP50)} / ${fmt(bP99)} (compression ${fmt(compressionMean)})`,
      '≤ 25 ms p50',
      bP50 <= 25,
    ]);

    // (6) time to first streamed byte
    const c = await paired(fake.url, proxy.url, () => [SMALL, SMALL], N_TTFB, true);
    const cP50 = percentile(c.p.ttfb, 50) - percentile(c.d.ttfb, 50);
    rows.push(['(6) time to first streamed byte, added p50', fmt(cP50), '≤ 2 ms', cP50 <= 2]);

    // (7) 20 concurrent new ~1 MB conversations
    const pipeConc = await concurrentTimes(
      pipe.url,
      Array.from({ length: 20 }, (_, i) => freshConversation(10_000 + i)),
    );
    const proxyConc = await concurrentTimes(
      proxy.url,
      Array.from({ length: 20 }, (_, i) => freshConversation(20_000 + i)),
    );
    rows.push([
      '(7) 20 concurrent new 1 MB conversations, p50: proxy / pipe (slowest)',
      `${fmt(proxyConc.p50)} / ${fmt(pipeConc.p50)} = ${ratio(proxyConc.p50, pipeConc.p50)} (slowest ${fmt(proxyConc.max)} / ${fmt(pipeConc.max)})`,
      '≤ 2× pipe',
      proxyConc.p50 <= 2 * pipeConc.p50,
    ]);

    const peak = procStatus(proxy.pid, 'VmHWM');
    // Idle: no request for as long as the proxy keeps an idle compression worker (after all the above).
    process.stderr.write(`waiting ${WORKER_IDLE_MS / 1000} s for the proxy to idle …\n`);
    await new Promise((r) => setTimeout(r, WORKER_IDLE_MS + 1000));
    await settle(proxy);
    const idleRss = procStatus(proxy.pid, 'VmRSS');
    rows.push([
      `(8) proxy RSS: idle (no request for ${WORKER_IDLE_MS / 1000} s) / after warm-up / peak`,
      `${idleRss.toFixed(0)} MB / ${warmRss.toFixed(0)} MB / ${peak.toFixed(0)} MB`,
      '≤ 100 MB idle',
      idleRss <= 100,
    ]);
  } finally {
    await proxy.stop();
    await pipe.stop();
    await fake.close();
    agent.destroy();
  }

  // (9) `headroom compress` of a small file against node's own start
  const small = join(state, 'small.txt');
  writeFileSync(small, 'hello world\n'.repeat(250));
  const nodeStart = percentile(
    Array.from({ length: 5 }, () => timeCommand(['-e', '0'])),
    50,
  );
  const compressRun = percentile(
    Array.from({ length: 5 }, () => timeCommand([join(ROOT, 'bin/headroom.js'), 'compress', small])),
    50,
  );
  rows.push([
    '(9) `headroom compress` of a 3 KB file: headroom / node -e 0',
    `${fmt(compressRun)} / ${fmt(nodeStart)} = ${ratio(compressRun, nodeStart)}`,
    '≤ 2.5× node',
    compressRun <= 2.5 * nodeStart,
  ]);
  await rm(state, { recursive: true, force: true });

  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(
    `\nheadroom proxy benchmark (${QUICK ? 'quick' : 'full'}; Node ${process.version}; ${availableParallelism()} cores; load average ${loadavg()[0]!.toFixed(1)})\n\n`,
  );
  for (const [what, value, target, ok] of rows) {
    process.stdout.write(
      `${what.padEnd(width)}  ${value.padEnd(44)} target ${target.padEnd(14)} ${ok === undefined ? '' : ok ? 'ok' : 'MISSED'}\n`,
    );
  }
}

await main();
