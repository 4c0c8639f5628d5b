import { HeadroomError } from '../errors.js';
import { type ProxyOptions, resolveProxyOptions } from '../proxy/options.js';
import { type RunningProxy, startProxy } from '../proxy/server.js';
import { packageVersion } from '../proxy/version.js';
import { makeStateDir } from '../state-dir.js';
import { probeHealth } from './health.js';
import { isAddressInUse, portInUseError } from './port-owner.js';
import { loopbackUrl, registerProxy, type StartedBy } from './proxy-registry.js';

/**
 * Starts a proxy on the given port, or on a free one when none is pinned, and waits until its /health
 * answers. A taken port is named with the process that holds it. The proxy is listed in the state dir's
 * registry of running proxies (proxy-registry.ts) until it stops, so `headroom dashboard` finds it.
 */
export async function launchProxy(options: ProxyOptions, startedBy: StartedBy): Promise<RunningProxy> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  // A state dir that cannot exist (HEADROOM_HOME naming a file) stops us here with one line, before any
  // agent starts, instead of every request failing to record its savings and original.
  if (options.stateDir !== undefined) await makeStateDir(options.stateDir);
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({ ...options, host, port });
  } catch (error) {
    if (port !== 0 && isAddressInUse(error)) throw await portInUseError(port, error);
    throw error;
  }
  // A wildcard bind is asked on loopback: its own URL (0.0.0.0) is not a Host its local routes answer.
  const local = loopbackUrl(proxy.host, proxy.port);
  const health = await probeHealth(local ?? proxy.url, 5_000);
  if (health === undefined) {
    await proxy.stop().catch(() => undefined);
    throw new HeadroomError('UPSTREAM_UNREACHABLE', `the proxy on ${proxy.url} did not answer GET /health.`, {
      fix: 'Run `headroom doctor` to see what is wrong.',
    });
  }
  const unregister =
    local === undefined || health.instance === undefined
      ? async () => undefined
      : await register(proxy, local, health.instance, startedBy, options);
  let stopping: Promise<void> | undefined;
  // Off the registry first: a proxy that drains no longer takes new clients, dashboards included.
  const stop = (close: () => Promise<void>): Promise<void> => {
    stopping ??= unregister().then(close, close);
    return stopping;
  };
  return { ...proxy, close: (opts) => stop(() => proxy.close(opts)), stop: () => stop(() => proxy.stop()) };
}

/**
 * Lists the proxy, by its loopback URL, as running; a registry that cannot be written costs only the
 * listing, said in the log.
 */
async function register(
  proxy: RunningProxy,
  url: string,
  instance: string,
  startedBy: StartedBy,
  options: ProxyOptions,
): Promise<() => Promise<void>> {
  const stateDir = resolveProxyOptions(options).stateDir;
  try {
    const unregister = await registerProxy(stateDir, {
      pid: process.pid,
      url,
      port: proxy.port,
      startedAt: new Date().toISOString(),
      version: packageVersion(),
      startedBy,
      instance,
    });
    return () => unregister().catch((error: unknown) => options.log?.(`proxy registry: ${String(error)}`));
  } catch (error) {
    options.log?.(`proxy registry: not listed for \`headroom dashboard\` (${String(error)})`);
    return async () => undefined;
  }
}
