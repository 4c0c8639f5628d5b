import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { compressMessages } from '../compress/compress.js';
import { createBlockMemo } from '../compress/memo.js';
import type { LedgerEntry } from '../ledger/entry.js';
import { createLedgerWriter } from '../ledger/ledger.js';
import { createFileStore, type FileStore } from '../store/file-store.js';
import { tokenCounter } from '../tokens/count.js';
import { type BodyCompressor, type CompressFn, createBodyCompressor } from './compress-body.js';
import { createUpstreamAgents } from './forward.js';
import { createForwardHandler } from './handler.js';
import {
  type ProxyOptions,
  type ResolvedProxyOptions,
  resolveProxyOptions,
  withoutCredentials,
} from './options.js';
import { createStatsCollector, type ProxyStats, toPrometheus } from './stats.js';
import { packageVersion } from './version.js';

/** A proxy app with the handles its server needs: counters, and a way to finish pending ledger writes. */
export interface ProxyRuntime {
  readonly app: Hono<ProxyEnv>;
  readonly options: ResolvedProxyOptions;
  readonly store: FileStore;
  /** The body compression of model calls, for transports other than HTTP (the Responses WebSocket). */
  readonly compressBody: BodyCompressor;
  /** Counts one finished model call: stats, `onRequest`, ledger. */
  complete(entry: LedgerEntry): void;
  /** Makes `flush()` wait for `done`, a promise that settles when a call has been counted. */
  track(done: Promise<void>): void;
  stats(): ProxyStats;
  /** Resolves once every request in flight has ended and its ledger line is on disk. */
  flush(): Promise<void>;
  /** Flushes, then closes upstream keep-alive connections. */
  close(): Promise<void>;
}

/** Under @hono/node-server the node request and response are in `c.env`; in `app.request()` they are not. */
export type ProxyEnv = { Bindings: Partial<HttpBindings> };

/** Replaceable parts, for tests that need compression to fail or stall. */
export interface ProxyDeps {
  readonly compress?: CompressFn;
}

/**
 * Builds the proxy: Anthropic and OpenAI endpoints forwarded to their upstreams, model calls compressed
 * on the way, everything else passed through; `/health`, `/stats`, `/metrics` and the retrieval endpoint
 * answered locally.
 */
export function createProxyRuntime(input: ProxyOptions = {}, deps: ProxyDeps = {}): ProxyRuntime {
  const options = resolveProxyOptions(input);
  const agents = createUpstreamAgents();
  const collector = createStatsCollector();
  const store = createFileStore({
    stateDir: options.stateDir,
    maxBytes: options.storeMaxBytes,
    ttlMs: options.storeTtlMs,
  });
  const compressBody = createBodyCompressor({
    options,
    compress: deps.compress ?? compressMessages,
    memo: createBlockMemo(),
    store,
    // o200k serves every model family but old GPT-4s; loading it takes ~2 s, so it starts now.
    ready: options.optimize ? tokenCounter('gpt-4o') : Promise.resolve(),
  });
  const log = options.log;
  const ledger = createLedgerWriter(options.stateDir, (error) =>
    log?.(`ledger write failed: ${(error as NodeJS.ErrnoException).code ?? 'error'}`),
  );
  /** Requests whose response has not ended yet. */
  const inflight = new Set<Promise<void>>();
  function track(done: Promise<void>): void {
    inflight.add(done);
    done.then(() => inflight.delete(done));
  }

  function complete(entry: LedgerEntry): void {
    collector.record(entry);
    try {
      options.onRequest?.(entry);
    } catch {
      // A caller's hook must not break the proxy.
    }
    if (options.ledger) ledger.append(entry);
  }

  const app = new Hono<ProxyEnv>();
  // A request that fails inside the proxy (e.g. the client vanished mid-upload) gets a quiet 500, no stack dump.
  app.onError((error, c) => {
    log?.(`proxy error: ${error.name}`);
    return c.json({ error: { message: 'headroom proxy error', type: 'proxy_error' } }, 500);
  });

  // Codex tries the Responses API over WebSocket first; 426 makes it fall back to HTTP at once (§10).
  app.use('*', async (c, next) => {
    if ((c.req.header('upgrade') ?? '').toLowerCase().includes('websocket')) {
      return c.json(
        { error: { message: 'headroom speaks HTTP only; use the HTTP transport', type: 'upgrade_required' } },
        426,
      );
    }
    await next();
  });

  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      service: 'headroom',
      version: packageVersion(),
      pid: process.pid,
      optimize: options.optimize,
      upstreams: {
        anthropic: withoutCredentials(options.anthropicUpstream),
        openai: withoutCredentials(options.openaiUpstream),
      },
    }),
  );
  app.get('/stats', (c) => c.json(collector.snapshot()));
  app.get('/metrics', (c) =>
    c.body(toPrometheus(collector.snapshot()), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    }),
  );
  app.get('/v1/headroom/retrieve/:hash', async (c) => {
    const text = await store.read(c.req.param('hash')).catch(() => undefined);
    if (text === undefined) {
      return c.json({ error: { message: 'unknown or expired hash', type: 'not_found' } }, 404);
    }
    return c.body(text, 200, { 'content-type': 'text/plain; charset=utf-8' });
  });

  app.all(
    '*',
    createForwardHandler({
      options,
      agents,
      compressBody,
      complete,
      recordOther: collector.recordOther,
      track,
    }),
  );

  return {
    app,
    options,
    store,
    compressBody,
    complete,
    track,
    stats: () => collector.snapshot(),
    async flush() {
      while (inflight.size > 0) await Promise.all([...inflight]);
      await ledger.flush();
    },
    async close() {
      await this.flush();
      agents.destroy();
    },
  };
}

/**
 * The proxy as a Hono app, for serving with any adapter or testing in-process with `app.request()`.
 *
 * @example
 * const app = createProxyApp({ anthropicUpstream: 'http://127.0.0.1:9000', ledger: false });
 * const res = await app.request('/health');
 */
export function createProxyApp(options: ProxyOptions = {}, deps: ProxyDeps = {}): Hono<ProxyEnv> {
  return createProxyRuntime(options, deps).app;
}
