/**
 * Fault and load suite for the proxy: loopback only, bounded, stops by itself. Prints figures and exits
 * non-zero if any check failed. `npm run soak` runs the full sizes; test/proxy/soak.test.ts runs it small.
 *
 *   npm run soak
 *   SOAK_QUICK=1 npm run soak
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { parseLedgerLine } from '../src/ledger/ledger.js';
import { type RunningProxy, startProxy } from '../src/proxy/server.js';

export interface SoakScale {
  readonly concurrent: number;
  readonly sequentialRounds: number;
  readonly sequentialPerRound: number;
  readonly bigBodyMb: number;
  readonly ledgerWriters: number;
}

export const FULL: SoakScale = {
  concurrent: 200,
  sequentialRounds: 3,
  sequentialPerRound: 5000,
  bigBodyMb: 100,
  ledgerWriters: 3,
};
export const QUICK: SoakScale = {
  concurrent: 30,
  sequentialRounds: 2,
  sequentialPerRound: 300,
  bigBodyMb: 8,
  ledgerWriters: 2,
};
/** The CI version (test/proxy/soak.test.ts): every scenario, at sizes that take seconds. */
export const TINY: SoakScale = {
  concurrent: 8,
  sequentialRounds: 1,
  sequentialPerRound: 60,
  bigBodyMb: 2,
  ledgerWriters: 2,
};

export interface SoakReport {
  readonly figures: [string, string][];
  readonly failures: string[];
}

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

// --- a fake provider whose behaviour each request picks with `x-soak` --------------------------------

const REPLY = JSON.stringify({
  id: 'msg_soak',
  type: 'message',
  role: 'assistant',
  content: [{ type: 'text', text: 'ok' }],
  usage: { input_tokens: 3, output_tokens: 1 },
});
const SSE = [
  'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"ok"}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
];

interface Fake {
  readonly url: string;
  /** sha256 of each body received, by the request's `x-soak-id`. */
  readonly received: Map<string, string>;
  close(): Promise<void>;
}

async function startFake(): Promise<Fake> {
  const received = new Map<string, string>();
  let served = 0;
  const used = new WeakSet<object>();
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', async () => {
      served += 1;
      received.set(String(req.headers['x-soak-id'] ?? served), sha(Buffer.concat(parts)));
      const mode = String(req.headers['x-soak'] ?? 'json');
      if (mode === 'hang') return; // never answers
      // A provider that closed this kept-alive socket while idle: the next request on it fails at once.
      const reused = used.has(req.socket);
      used.add(req.socket);
      if (mode === 'drop-idle' && reused) {
        req.socket.destroy();
        return;
      }
      if (mode === 'cut') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(SSE[0]);
        await sleep(10);
        res.socket?.destroy();
        return;
      }
      const status = Number(/^status-(\d+)$/.exec(mode)?.[1] ?? 0);
      if (status) {
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '7' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } }));
        return;
      }
      if (mode === 'stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const event of SSE) {
          res.write(event);
          await sleep(2);
        }
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(REPLY);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// --- a client -------------------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

interface Answer {
  readonly status: number;
  readonly retryAfter?: string | undefined;
  readonly body: Buffer;
  readonly ms: number;
  readonly error?: string;
}

function call(
  base: string,
  path: string,
  body: Buffer | undefined,
  headers: Record<string, string> = {},
  options: { abortAfterFirstByte?: boolean; chunked?: boolean } = {},
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(`${base}${path}`, {
      method: body ? 'POST' : 'GET',
      agent,
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-soak',
        'anthropic-version': '2023-06-01',
        ...(body && !options.chunked ? { 'content-length': String(body.length) } : {}),
        ...headers,
      },
    });
    req.once('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        parts.push(c);
        if (options.abortAfterFirstByte) req.destroy();
      });
      const done = (error?: string) =>
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: res.headers['retry-after'],
          body: Buffer.concat(parts),
          ms: performance.now() - started,
          ...(error ? { error } : {}),
        });
      res.once('end', () => done());
      res.once('error', (e) => done(e.message));
      res.once('close', () => done(res.complete ? undefined : 'closed'));
    });
    req.once('error', (e) =>
      resolve({ status: 0, body: Buffer.alloc(0), ms: performance.now() - started, error: e.message }),
    );
    if (body && options.chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

/** Polls /health every 20 ms while `work` runs; the worst answer time, ms. */
async function healthDuring<T>(base: string, work: Promise<T>): Promise<[T, number]> {
  let worst = 0;
  let running = true;
  const poll = (async () => {
    while (running) {
      const started = performance.now();
      await call(base, '/health', undefined, { host: new URL(base).host });
      worst = Math.max(worst, performance.now() - started);
      await sleep(20);
    }
  })();
  const result = await work;
  running = false;
  await poll;
  return [result, worst];
}

// --- bodies ---------------------------------------------------------------------------------------------

function conversation(seed: number, outputLines: number): Buffer {
  const lines = Array.from({ length: outputLines }, (_, i) =>
    i === outputLines >> 1
      ? `ERROR job ${seed} failed: disk full`
      : `INFO ${seed} step ${i} ok in ${(i * 7) % 90} ms`,
  );
  return Buffer.from(
    JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'why did the job fail?' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: `t${seed}`, name: 'Bash', input: { command: 'cat job.log' } }],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: `t${seed}`, content: lines.join('\n') }],
        },
      ],
    }),
  );
}

const small = (seed: number) =>
  Buffer.from(
    JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 8,
      messages: [{ role: 'user', content: `hi ${seed}` }],
    }),
  );

// --- scenarios ------------------------------------------------------------------------------------------

export async function runSoak(
  scale: SoakScale,
  log: (line: string) => void = () => undefined,
  options: { readonly build?: boolean } = {},
): Promise<SoakReport> {
  const figures: [string, string][] = [];
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  const fake = await startFake();
  const state = await mkdtemp(join(tmpdir(), 'headroom-soak-'));
  let proxy: RunningProxy | undefined;
  try {
    proxy = await startProxy({
      anthropicUpstream: fake.url,
      stateDir: state,
      session: 'soak',
      timeouts: { firstByteMs: 1_500, idleMs: 1_500 },
    });
    const base = proxy.url;
    // Warm the workers with one compressible request.
    await call(base, '/v1/messages', conversation(0, 3000));

    // 1. Concurrent mixed load: small, 1 MB compressible, streaming and not; each also sent direct.
    log('mixed concurrent load');
    const kinds = Array.from({ length: scale.concurrent }, (_, i) => i % 4);
    const bodyOf = (i: number) => (kinds[i] === 1 ? conversation(1000 + i, 25_000) : small(i));
    const headersOf = (i: number): Record<string, string> => (kinds[i]! >= 2 ? { 'x-soak': 'stream' } : {});
    const direct = await Promise.all(
      kinds.map((_, i) => call(fake.url, '/v1/messages', bodyOf(i), headersOf(i))),
    );
    const [proxied, healthMixed] = await healthDuring(
      base,
      Promise.all(kinds.map((_, i) => call(base, '/v1/messages', bodyOf(i), headersOf(i)))),
    );
    const errors = proxied.filter((a) => a.status !== 200 || a.error).length;
    const identical = proxied.filter((a, i) => a.body.equals(direct[i]!.body)).length;
    const added = proxied.map((a, i) => a.ms - direct[i]!.ms);
    figures.push([
      `${scale.concurrent} concurrent mixed requests`,
      `${errors} errors, ${identical}/${proxied.length} responses identical to direct, added p50 ${pct(added, 50).toFixed(1)} ms / p99 ${pct(added, 99).toFixed(1)} ms, /health worst ${healthMixed.toFixed(1)} ms, RSS of the whole run (clients, fake provider and proxy) ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
    ]);
    check(errors === 0 && identical === proxied.length, 'mixed load: errors or changed responses');

    // 2. Sequential rounds: heap after GC stays flat.
    log('sequential rounds');
    const heaps: number[] = [];
    for (let r = 0; r < scale.sequentialRounds; r += 1) {
      for (let i = 0; i < scale.sequentialPerRound; i += 1) await call(base, '/v1/messages', small(i));
      globalThis.gc?.();
      heaps.push(process.memoryUsage().heapUsed / 1e6);
    }
    figures.push([
      `${scale.sequentialRounds} × ${scale.sequentialPerRound} sequential requests`,
      `heap after each round ${heaps.map((h) => `${h.toFixed(1)} MB`).join(', ')}${globalThis.gc ? ' (after GC)' : ' (no --expose-gc)'}`,
    ]);
    if (globalThis.gc) check(heaps.at(-1)! - heaps[0]! < 20, 'sequential rounds: heap grew');

    // 3. Upstream faults.
    log('upstream faults');
    const cut = await call(base, '/v1/messages', small(1), { 'x-soak': 'cut' });
    const hang = await call(base, '/v1/messages', small(2), { 'x-soak': 'hang' });
    const statuses = await Promise.all(
      [429, 500, 529].map((s) => call(base, '/v1/messages', small(s), { 'x-soak': `status-${s}` })),
    );
    const idle = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(base, '/v1/messages', small(i), { 'x-soak': 'drop-idle' })),
    );
    const refused = await startProxy({
      anthropicUpstream: 'http://127.0.0.1:9',
      stateDir: state,
      ledger: false,
      optimize: false,
    });
    const refusedAnswer = await call(refused.url, '/v1/messages', small(3));
    await refused.stop();
    figures.push([
      'upstream faults',
      `cut mid-stream → ${cut.error ? 'client sees a broken stream' : 'not noticed'}; silent → ${hang.status} in ${hang.ms.toFixed(0)} ms; 429/500/529 → ${statuses.map((s) => `${s.status} (retry-after ${s.retryAfter ?? 'lost'})`).join(', ')}; idle-closing upstream → ${idle.filter((a) => a.status === 200).length}/20 ok; refused → ${refusedAnswer.status}`,
    ]);
    check(cut.error !== undefined, 'cut stream not reported as broken');
    check(hang.status === 504, 'silent upstream did not get 504');
    check(
      statuses.every((s, i) => s.status === [429, 500, 529][i] && s.retryAfter === '7'),
      'error statuses changed',
    );
    check(
      idle.every((a) => a.status === 200),
      'idle-closing upstream caused errors',
    );
    check(refusedAnswer.status === 502, 'refused connection did not get 502');

    // 4. Client aborts mid-stream.
    log('client aborts');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(base, '/v1/messages', small(i), { 'x-soak': 'stream' }, { abortAfterFirstByte: true }),
      ),
    );
    const after = await call(base, '/v1/messages', small(99));
    figures.push(['20 client aborts mid-stream', `proxy then answers ${after.status}`]);
    check(after.status === 200, 'proxy unhealthy after aborts');

    // 5. Bad bodies: status, byte-identical upstream body when nothing should change, /health meanwhile.
    log('bad bodies');
    const deep = Buffer.from(`{"model":"m","messages":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const bad: [string, Buffer, Record<string, string>, { chunked?: boolean }][] = [
      ['malformed JSON', Buffer.from('{"model": "m", "messages": [ {"role": "user"'), {}, {}],
      [
        'invalid UTF-8',
        Buffer.concat([
          Buffer.from('{"model":"m","messages":[{"role":"user","content":"'),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from('"}]}'),
        ]),
        {},
        {},
      ],
      [`${scale.bigBodyMb} MB body`, conversation(7, Math.round((scale.bigBodyMb * 1e6) / 30)), {}, {}],
      ['100,000-deep nesting', deep, {}, {}],
      [
        'one long line',
        Buffer.from(
          JSON.stringify({
            model: 'm',
            messages: [
              {
                role: 'user',
                content: [
                  {
                    type: 'tool_result',
                    tool_use_id: 'x',
                    content: 'y'.repeat(Math.min(50, scale.bigBodyMb) * 1e6),
                  },
                ],
              },
            ],
          }),
        ),
        {},
        {},
      ],
      [
        'NUL bytes',
        Buffer.from(
          JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `a\u0000b`.repeat(1000) }] }),
        ),
        {},
        {},
      ],
      [
        'base64 image',
        Buffer.from(
          JSON.stringify({
            model: 'm',
            messages: [
              {
                role: 'user',
                content: [
                  {
                    type: 'image',
                    source: { type: 'base64', media_type: 'image/png', data: 'iVBOR'.repeat(200_000) },
                  },
                ],
              },
            ],
          }),
        ),
        {},
        {},
      ],
      [
        'unknown block types',
        Buffer.from(
          JSON.stringify({
            model: 'm',
            messages: [{ role: 'user', content: [{ type: 'hologram', payload: 'z'.repeat(50_000) }] }],
          }),
        ),
        {},
        {},
      ],
      ['gzip-encoded body', gzipSync(conversation(8, 3000)), { 'content-encoding': 'gzip' }, {}],
      ['chunked upload', conversation(9, 3000), {}, { chunked: true }],
    ];
    for (const [name, body, headers, options] of bad) {
      const id = `bad-${name}`;
      const [answer, health] = await healthDuring(
        base,
        call(base, '/v1/messages', body, { ...headers, 'x-soak-id': id }, options),
      );
      const same = fake.received.get(id) === sha(body);
      figures.push([
        `bad body: ${name}`,
        `${answer.status}; upstream body ${same ? 'byte-identical' : 'changed (compressed)'}; /health worst ${health.toFixed(1)} ms`,
      ]);
      check(answer.status === 200, `${name}: status ${answer.status}`);
      const mayChange = name === 'chunked upload' || name === 'one long line' || name.endsWith('MB body');
      check(same || mayChange, `${name}: upstream body changed`);
    }
  } finally {
    await proxy?.close({ drainMs: 2_000 });
  }

  // 6. Several proxy processes on one ledger, one of them killed mid-append.
  log('ledger: several writers and a SIGKILL');
  const root = new URL('..', import.meta.url).pathname;
  if (options.build !== false) {
    const built = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
      { stdio: 'inherit' },
    );
    if (built.status !== 0) throw new Error('build failed');
  }
  const shared = await mkdtemp(join(tmpdir(), 'headroom-soak-ledger-'));
  const source = `import { startProxy } from '${root}dist/proxy/server.js';
const p = await startProxy({ anthropicUpstream: process.env.UPSTREAM, stateDir: process.env.DIR, optimize: false });
console.log(p.url);`;
  const children = Array.from({ length: scale.ledgerWriters }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', source], {
      env: { ...process.env, UPSTREAM: fake.url, DIR: shared },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const urls = await Promise.all(
    children.map(
      (c) => new Promise<string>((r) => c.stdout!.once('data', (d: Buffer) => r(d.toString().trim()))),
    ),
  );
  let sent = 0;
  await Promise.all(
    urls.map(async (url, w) => {
      for (let i = 0; i < scale.sequentialPerRound / 5; i += 1) {
        if (w === 0 && i === Math.floor(scale.sequentialPerRound / 10)) children[0]!.kill('SIGKILL');
        const a = await call(url, '/v1/messages', small(i));
        if (a.status === 200) sent += 1;
        if (children[w]!.killed) break;
      }
    }),
  );
  for (const c of children.slice(1)) c.kill('SIGTERM');
  await Promise.all(
    children.map(
      (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))),
    ),
  );
  const lines = (await readFile(join(shared, 'ledger.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
  const torn = lines.filter((l) => parseLedgerLine(l) === undefined).length;
  figures.push([
    `${scale.ledgerWriters} proxies on one ledger, one SIGKILLed`,
    `${lines.length} lines for ${sent} answered requests, ${torn} torn`,
  ]);
  check(torn === 0, 'ledger has torn lines');
  check(lines.length >= sent - scale.ledgerWriters * 128, 'ledger lost more than one batch per writer');
  await rm(shared, { recursive: true, force: true });

  await fake.close();
  agent.destroy();
  await rm(state, { recursive: true, force: true });
  return { figures, failures };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const scale = process.env.SOAK_QUICK === '1' ? QUICK : FULL;
  const report = await runSoak(scale, (line) => process.stderr.write(`… ${line}\n`));
  for (const [what, value] of report.figures) process.stdout.write(`${what}: ${value}\n`);
  for (const failure of report.failures) process.stdout.write(`FAILED: ${failure}\n`);
  process.exit(report.failures.length === 0 ? 0 : 1);
}
