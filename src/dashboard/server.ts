import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { guardLocalRoutes, type LocalEnv } from '../proxy/browser-guard.js';
import { listen, urlHost } from '../proxy/listen.js';
import { DEFAULT_STORE_MAX_BYTES } from '../store/file-store.js';
import { registerDashboard } from './routes.js';

/** `headroom dashboard` serving the page itself, from the ledger on disk. */
export interface RunningDashboard {
  /** The page, e.g. `http://127.0.0.1:43123/dashboard`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends open connections (a polling page keeps one alive). */
  close(): Promise<void>;
}

export interface DashboardServerOptions {
  readonly stateDir: string;
  /** 0 or undefined: a free port. */
  readonly port?: number;
  /** A loopback address; default 127.0.0.1. */
  readonly host?: string;
  readonly storeMaxBytes?: number;
}

/**
 * Serves the dashboard without a proxy: the same page and JSON the proxy serves, minus its live
 * counters, behind the same refusal of other origins.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  const app = new Hono<LocalEnv>();
  app.onError((error, c) => c.text(`headroom: dashboard error (${error.name})\n`, 500));
  app.use('*', guardLocalRoutes(host));
  registerDashboard(app, {
    stateDir: options.stateDir,
    storeMaxBytes: options.storeMaxBytes ?? DEFAULT_STORE_MAX_BYTES,
  });
  app.get('/', (c) => c.redirect('/dashboard'));
  const server = createServer(
    getRequestListener((request, env) => app.fetch(request, env), { overrideGlobalObjects: false }),
  );
  const address = await listen(server, options.port ?? 0, host);
  return {
    url: `http://${urlHost(host)}:${address.port}/dashboard`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
