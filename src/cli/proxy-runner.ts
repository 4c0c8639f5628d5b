import { mkdir } from 'node:fs/promises';
import { HeadroomError } from '../errors.js';
import type { ProxyOptions } from '../proxy/options.js';
import { type RunningProxy, startProxy } from '../proxy/server.js';
import { probeHealth } from './health.js';
import { isAddressInUse, portInUseError } from './port-owner.js';

/**
 * Starts a proxy on the given port, or on a free one when none is pinned, and waits until its /health
 * answers. A taken port is named with the process that holds it.
 */
export async function launchProxy(options: ProxyOptions): Promise<RunningProxy> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  // A state dir that cannot exist (HEADROOM_HOME naming a file) stops us here with one line, before any
  // agent starts, instead of every request failing to record its savings and original.
  if (options.stateDir !== undefined) await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({ ...options, host, port });
  } catch (error) {
    if (port !== 0 && isAddressInUse(error)) throw await portInUseError(port, error);
    throw error;
  }
  if ((await probeHealth(proxy.url, 5_000)) === undefined) {
    await proxy.stop().catch(() => undefined);
    throw new HeadroomError('UPSTREAM_UNREACHABLE', `the proxy on ${proxy.url} did not answer GET /health.`, {
      fix: 'Run `headroom doctor` to see what is wrong.',
    });
  }
  return proxy;
}
