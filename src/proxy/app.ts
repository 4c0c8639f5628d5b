import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { isDashboardPath, registerDashboard } from '../dashboard/routes.js';
import { createFleet, type Fleet, fleetMetrics } from '../fleet/fleet.js';
import type { LedgerEntry } from '../ledger/entry.js';
import { createFileStore, type FileStore } from '../store/file-store.js';
import { guardLocalRoutes, type LocalEnv } from './browser-guard.js';
import { createCallRecorder } from './call-recorder.js';
import {
  type BodyCompressor,
  type CompressFn,
  createBodyCompressor,
  persistedOutputsDir,
} from './compress-body.js';
import { createCompressPool } from './compress-pool.js';
import { createUpstreamAgents } from './forward.js';
import {
  type ProxyOptions,
  type ResolvedProxyOptions,
  resolveProxyOptions,
  storeOptionsOf,
  withoutCredentials,
} from './options.js';
import { createRelay } from './relay.js';
import { type ProxyStats, toPrometheus } from './stats.js';
import { packageVersion } from './version.js';

/** A proxy's request handler with the handles its server needs: counters, and a way to finish pending work. */
export interface ProxyRuntime {
  /** Local routes only (`/health`, `/stats`, `/metrics`, `/v1/headroom/*`, `/dashboard`). */
  readonly app: Hono<LocalEnv>;
  /** Serves every request: local routes through `app`, everything else relayed to its provider. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  readonly options: ResolvedProxyOptions;
  readonly store: FileStore;
  /** What this replica shares on the fleet's Redis, when it is part of one (`redis` option). */
  readonly fleet: Fleet | undefined;
  /** The body compression of model calls, for transports other than HTTP (the Responses WebSocket). */
  readonly compressBody: BodyCompressor;
  /** Counts one finished model call: stats, `onRequest`, ledger. */
  complete(entry: LedgerEntry): void;
  /** Makes `flush()` and a graceful stop wait for `done`, a promise that settles when a call has been counted. */
  track(done: Promise<void>): void;
  stats(): ProxyStats;
  /** Requests whose response has not ended yet. */
  inflight(): number;
  /** Starts the compression workers, which load the tokenizer in the background; only big blocks wait for them. */
  warmUp(): void;
  /** Resolves once every request in flight has ended and its ledger line is on disk. */
  flush(): Promise<void>;
  /** Flushes, then closes upstream keep-alive connections, the compression workers and the ledger. */
  close(): Promise<void>;
}

/** Replaceable parts, for tests that need compression or the store to fail or stall (compression then runs in-process). */
export interface ProxyDeps {
  readonly compress?: CompressFn;
  readonly store?: FileStore;
}

/** Paths the proxy answers itself; every other path belongs to a provider. */
export function isLocalPath(path: string): boolean {
  return (
    path === '/health' ||
    path === '/stats' ||
    path === '/metrics' ||
    path === '/v1/headroom' ||
    path.startsWith('/v1/headroom/') ||
    isDashboardPath(path)
  );
}

function localApp(
  options: ResolvedProxyOptions,
  stats: () => ProxyStats,
  inflight: () => number,
  store: FileStore,
  instance: string,
  fleet: Fleet | undefined,
): Hono<LocalEnv> {
  const app = new Hono<LocalEnv>();
  app.onError((error, c) => {
    options.log?.(`proxy error: ${error.name}`);
    return c.json({ error: { message: 'headroom proxy error', type: 'proxy_error' } }, 500);
  });
  // A web page must not read the user's originals or savings, even through a rebound DNS name.
  app.use('*', guardLocalRoutes(options.host));
  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      service: 'headroom',
      version: packageVersion(),
      pid: process.pid,
      instance,
      optimize: options.optimize,
      upstreams: {
        anthropic: withoutCredentials(options.anthropicUpstream),
        openai: withoutCredentials(options.openaiUpstream),
        gemini: withoutCredentials(options.geminiUpstream),
      },
      ...(fleet ? { fleet: fleet.health() } : {}),
    }),
  );
  app.get('/stats', async (c) => {
    if (!fleet) return c.json(stats());
    // The whole fleet's totals beside this replica's own; an unreachable Redis costs only that field.
    const totals = await fleet.totals().catch(() => undefined);
    return c.json({ ...stats(), fleet: { ...fleet.health(), ...(totals ? { totals } : {}) } });
  });
  app.get('/metrics', (c) =>
    c.body(toPrometheus(stats()) + (fleet ? fleetMetrics(fleet.health()) : ''), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    }),
  );
  app.get('/v1/headroom/retrieve/:hash', async (c) => {
    const bytes = await store.readBytes(c.req.param('hash')).catch(() => undefined);
    if (bytes === undefined) {
      return c.json({ error: { message: 'unknown or expired hash', type: 'not_found' } }, 404);
    }
    // The stored bytes as they are, so a string with lone surrogates comes back exactly too.
    return c.body(new Uint8Array(bytes), 200, { 'content-type': 'text/plain; charset=utf-8' });
  });
  registerDashboard(app, {
    stateDir: options.stateDir,
    storeMaxBytes: options.storeMaxBytes,
    live: () => ({
      pid: process.pid,
      version: packageVersion(),
      optimize: options.optimize,
      inflight: inflight(),
      stats: stats(),
    }),
  });
  return app;
}

/**
 * Builds the proxy: Anthropic and OpenAI endpoints relayed to their upstreams, model calls compressed on
 * the way (in worker threads), everything else passed through; local routes answered by a Hono app.
 */
export function createProxyRuntime(input: ProxyOptions = {}, deps: ProxyDeps = {}): ProxyRuntime {
  const options = resolveProxyOptions(input);
  const agents = createUpstreamAgents();
  // Names this proxy among all that ran: the CLI's registry of running proxies (src/cli/proxy-registry.ts)
  // matches it, so a reused PID or port is never taken for this proxy; and its entries in a fleet ledger.
  const instance = randomUUID();
  const fleet = options.fleet
    ? createFleet(options.fleet, instance, options.storeTtlMs, options.log)
    : undefined;
  const recorder = createCallRecorder(options, fleet?.ledger);
  const { complete } = recorder;
  const ownStore = deps.store ?? createFileStore(storeOptionsOf(options));
  const store = fleet ? fleet.share(ownStore) : ownStore;
  const pool =
    options.optimize && !deps.compress && !deps.store
      ? createCompressPool({
          stateDir: options.stateDir,
          storeMaxBytes: options.storeMaxBytes,
          storeTtlMs: options.storeTtlMs,
          memoBytes: options.memoBytes,
          claudeConfigDir: persistedOutputsDir(options),
          fleet: options.fleet && { url: options.fleet.url, prefix: options.fleet.prefix },
        })
      : undefined;
  const compressBody = createBodyCompressor({
    options,
    store,
    ...(pool ? { pool } : {}),
    ...(deps.compress ? { compress: deps.compress } : {}),
  });
  /** Requests (and WebSocket calls) whose response has not ended yet. */
  const pending = new Set<Promise<void>>();
  function track(done: Promise<void>): void {
    pending.add(done);
    done.then(() => pending.delete(done));
  }

  const app = localApp(options, recorder.stats, () => pending.size, store, instance, fleet);
  const local = getRequestListener((request, env) => app.fetch(request, env), {
    // The proxy may run inside someone else's app (SDK wrappers, tests): global Request/Response stay theirs.
    overrideGlobalObjects: false,
  });
  const relay = createRelay({
    options,
    agents,
    timeouts: options.timeouts,
    compressBody,
    complete,
    recordOther: recorder.recordOther,
    track,
  });

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    if (isLocalPath(path)) {
      void local(req, res);
      return;
    }
    relay(req, res);
  };

  return {
    app,
    listener,
    options,
    store,
    fleet,
    compressBody,
    complete,
    track,
    stats: recorder.stats,
    inflight: () => pending.size,
    warmUp() {
      pool?.warmUp().catch(() => undefined);
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
      await recorder.flush();
    },
    async close() {
      await this.flush();
      agents.destroy();
      await pool?.close();
      await recorder.close();
      await fleet?.close();
    },
  };
}

/**
 * The proxy's local routes as a Hono app (`/health`, `/stats`, `/metrics`, `/v1/headroom/retrieve/…`).
 * Model calls are relayed by `createProxyRuntime().listener`, a plain Node handler.
 */
export function createProxyApp(options: ProxyOptions = {}, deps: ProxyDeps = {}): Hono<LocalEnv> {
  return createProxyRuntime(options, deps).app;
}
