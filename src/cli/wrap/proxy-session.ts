import path from 'node:path';
import { withoutCredentials } from '../../proxy/options.js';
import type { ProxyStats } from '../../proxy/stats.js';
import type { AgentName } from '../agents.js';
import type { CliContext } from '../context.js';
import { DEFAULT_PORT, type ProxyHealth, probeHealth } from '../health.js';
import { fileLineLog, type LineLog, requestLine, streamLineLog } from '../line-log.js';
import type { Logger } from '../logger.js';
import type { Upstreams } from '../proxy-flags.js';

import type { WrapFlags, WrapSettings } from './settings.js';

/** The proxy a wrapped agent talks to: started for this session, or a compatible one reused. */
export interface ProxySession {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  readonly log: LineLog;
  /** True when attached to a running `headroom proxy`, which has no budget mode of its own. */
  readonly reused: boolean;
  /**
   * Stops a proxy this session started and returns its totals; undefined for a reused proxy. Graceful:
   * new connections are refused at once, requests still in flight (the agent's children, other clients
   * of a pinned port) get up to `drainMs` (default 10 s) to finish, then the rest are closed.
   */
  close(drainMs?: number): Promise<ProxyStats | undefined>;
}

/** Why a running proxy cannot serve this session, or undefined when it can. */
export function reuseMismatch(
  health: ProxyHealth,
  optimize: boolean,
  upstreams: Upstreams,
  agent?: AgentName,
): string | undefined {
  if (health.optimize !== undefined && health.optimize !== optimize) {
    return `it runs with optimization ${health.optimize ? 'on' : 'off'}`;
  }
  const theirs = (
    typeof health.upstreams === 'object' && health.upstreams !== null ? health.upstreams : {}
  ) as Record<string, unknown>;
  const wanted: [string, string | undefined][] = [
    ['anthropic', upstreams.anthropicUpstream],
    ['openai', upstreams.openaiUpstream],
    ['gemini', upstreams.geminiUpstream],
  ];
  for (const [provider, url] of wanted) {
    // A proxy from before the Gemini route cannot serve Gemini CLI at all, whatever its upstream.
    if (provider === 'gemini' && agent === 'gemini' && typeof theirs.gemini !== 'string') {
      return 'it does not route the Gemini API (an older headroom)';
    }
    if (url === undefined) continue;
    const their = theirs[provider];
    const shown = withoutCredentials(url).replace(/\/+$/, '');
    if (typeof their !== 'string' || their.replace(/\/+$/, '') !== shown) {
      return `its ${provider} upstream is ${typeof their === 'string' ? their : 'unknown'}, not ${shown}`;
    }
  }
  return undefined;
}

async function findReusable(
  agent: AgentName,
  port: number,
  optimize: boolean,
  upstreams: Upstreams,
  logger: Logger,
): Promise<string | undefined> {
  const url = `http://127.0.0.1:${port}`;
  const health = await probeHealth(url);
  if (health === undefined) {
    logger.info(
      `headroom: no headroom proxy answers on port ${port} to reuse; starting one for this session.`,
    );
    return undefined;
  }
  const mismatch = reuseMismatch(health, optimize, upstreams, agent);
  if (mismatch === undefined) return url;
  logger.info(`headroom: not reusing the proxy on port ${port} (${mismatch}); starting a new one.`);
  return undefined;
}

/** Starts this session's proxy on a free (or pinned) port, or attaches to a compatible one with `--reuse`. */
export async function openProxySession(
  agent: AgentName,
  session: string,
  stateDir: string,
  settings: WrapSettings,
  flags: WrapFlags,
  ctx: CliContext,
  logger: Logger,
): Promise<ProxySession> {
  const log: LineLog =
    flags.logFile === '-'
      ? streamLineLog(ctx.streams.stderr, 'stderr')
      : fileLineLog(flags.logFile ?? path.join(stateDir, 'logs', `${session}.log`));
  const { port, upstreams } = settings;
  const reused =
    flags.reuse === true
      ? await findReusable(agent, port ?? DEFAULT_PORT, flags.optimize, upstreams, logger)
      : undefined;
  if (reused !== undefined) return { url: reused, log, reused: true, close: async () => undefined };
  // Loaded here so commands that need no proxy start without the compressor and server.
  const { launchProxy } = await import('../proxy-runner.js');
  const proxy = await launchProxy(
    {
      ...(port === undefined || flags.reuse === true ? {} : { port }),
      host: '127.0.0.1',
      optimize: flags.optimize,
      session,
      agent,
      stateDir,
      env: ctx.env,
      ...upstreams,
      compress: settings.compress,
      ...(settings.claudeConfigDir === undefined ? {} : { claudeConfigDir: settings.claudeConfigDir }),
      log: (line) => log.write(line),
      ...(flags.verbose === true ? { onRequest: (entry) => log.write(requestLine(entry)) } : {}),
    },
    `wrap ${agent}`,
  );
  return {
    url: proxy.url.replace(/\/+$/, ''),
    log,
    reused: false,
    async close(drainMs) {
      await proxy
        .close(drainMs === undefined ? {} : { drainMs })
        .catch((error: unknown) => log.write(`proxy stop failed: ${String(error)}`));
      return proxy.stats();
    },
  };
}
