import { createServer, type Server } from 'node:http';
import { createProxyRuntime, type ProxyDeps } from './app.js';
import { listen, urlHost } from './listen.js';
import type { ProxyOptions } from './options.js';
import type { ProxyStats } from './stats.js';
import { attachSocketRelay } from './websocket/relay.js';

/** A proxy listening on a port. */
export interface RunningProxy {
  /** Base URL, e.g. `http://127.0.0.1:8787` (no `/v1`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The Node server (its `upgrade` event carries the Responses WebSocket relay). */
  readonly server: Server;
  stats(): ProxyStats;
  /**
   * Graceful stop: stops accepting, lets requests in flight finish for up to `drainMs` (default 10 s),
   * then closes what is left, and waits for pending ledger writes. For SIGTERM, in `proxy` and `wrap`.
   */
  close(options?: { readonly drainMs?: number }): Promise<void>;
  /** Immediate stop: `close({ drainMs: 0 })`. */
  stop(): Promise<void>;
}

export const DEFAULT_DRAIN_MS = 10_000;

// Referenced: while draining, this timer may be all that keeps the process alive (a caller such as
// `headroom proxy` prints its summary after the drain).
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts the proxy on `host:port` (default 127.0.0.1 and a free port). `wrap`, `headroom proxy` and the
 * tests all start it this way.
 *
 * @example
 * const proxy = await startProxy({ anthropicUpstream: 'http://127.0.0.1:9000' });
 * // ANTHROPIC_BASE_URL=proxy.url
 * await proxy.close({ drainMs: 5_000 });
 */
export async function startProxy(options: ProxyOptions = {}, deps: ProxyDeps = {}): Promise<RunningProxy> {
  const runtime = createProxyRuntime(options, deps);
  const server = createServer(runtime.listener);
  // Model calls can stream for many minutes; the relay times out a silent provider itself.
  server.requestTimeout = 0;
  server.timeout = 0;
  // Codex speaks the Responses API over a WebSocket first; its upgrades are relayed (426 when the upstream refuses).
  const sockets = attachSocketRelay(server, {
    upstream: runtime.options.openaiUpstream,
    compress: (raw, provider) => runtime.compressBody(raw, provider, '/v1/responses', undefined),
    timeouts: runtime.options.timeouts,
    complete: runtime.complete,
    track: runtime.track,
    session: runtime.options.session,
    agent: runtime.options.agent,
    log: runtime.options.log,
  });
  // In a fleet, its Redis client loads before the first request can arrive, not while one waits.
  await runtime.fleet?.loaded;
  const address = await listen(server, runtime.options.port, runtime.options.host);
  runtime.warmUp();
  const host = runtime.options.host;
  let closing: Promise<void> | undefined;
  const close = (drainMs: number): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const until = Date.now() + drainMs;
      while (runtime.inflight() > 0 && Date.now() < until) await sleep(Math.min(50, until - Date.now()));
      sockets.close();
      server.closeAllConnections();
      await closed;
      await runtime.close();
    })();
    return closing;
  };
  return {
    url: `http://${urlHost(host)}:${address.port}`,
    host,
    port: address.port,
    server,
    stats: runtime.stats,
    close: (opts) => close(opts?.drainMs ?? DEFAULT_DRAIN_MS),
    stop: () => close(0),
  };
}
