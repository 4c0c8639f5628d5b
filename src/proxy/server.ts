import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { HeadroomError } from '../errors.js';
import { createProxyRuntime, type ProxyDeps } from './app.js';
import type { ProxyOptions } from './options.js';
import type { ProxyStats } from './stats.js';
import { attachSocketRelay } from './websocket/relay.js';

/** A proxy listening on a port. */
export interface RunningProxy {
  /** Base URL, e.g. `http://127.0.0.1:8787` (no `/v1`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  stats(): ProxyStats;
  /** Stops accepting, ends open connections, and waits for pending ledger writes. */
  stop(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new HeadroomError('PORT_IN_USE', `Port ${port} on ${host} is already in use.`, {
            fix: 'Pick another port with --port, or leave it out to use a free one.',
            cause: error,
          }),
        );
      } else reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/**
 * Starts the proxy on `host:port` (default 127.0.0.1 and a free port). `wrap`, `headroom proxy` and the
 * tests all start it this way.
 *
 * @example
 * const proxy = await startProxy({ anthropicUpstream: 'http://127.0.0.1:9000' });
 * // ANTHROPIC_BASE_URL=proxy.url
 * await proxy.stop();
 */
export async function startProxy(options: ProxyOptions = {}, deps: ProxyDeps = {}): Promise<RunningProxy> {
  const runtime = createProxyRuntime(options, deps);
  // The proxy may run inside someone else's app (SDK wrappers, tests): it leaves the global Request and
  // Response classes alone.
  const server = createAdaptorServer({
    fetch: runtime.app.fetch,
    hostname: runtime.options.host,
    overrideGlobalObjects: false,
  }) as Server;
  // Model calls can stream for many minutes; only idle keep-alive connections are timed out.
  server.requestTimeout = 0;
  server.timeout = 0;
  const sockets = attachSocketRelay(server, {
    upstream: runtime.options.openaiUpstream,
    compress: (raw, provider) => runtime.compressBody(raw, provider, '/v1/responses', undefined),
    complete: runtime.complete,
    track: runtime.track,
    session: runtime.options.session,
    agent: runtime.options.agent,
    log: runtime.options.log,
  });
  const address = await listen(server, runtime.options.port, runtime.options.host);
  const host = runtime.options.host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${address.port}`,
    host,
    port: address.port,
    stats: runtime.stats,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        sockets.close();
        server.closeAllConnections();
        await closed;
        await runtime.close();
      })();
      return stopping;
    },
  };
}
