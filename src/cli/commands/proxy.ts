import type { Command } from 'commander';
import { HeadroomError } from '../../errors.js';
import type { FleetHealth } from '../../fleet/fleet.js';
import { DEFAULT_FLEET_PREFIX, parseRedisPrefix, parseRedisUrl } from '../../fleet/redis-options.js';
import { ledgerPath } from '../../ledger/ledger.js';
import type { ProxyOptions } from '../../proxy/options.js';
import { stateDir } from '../../state-dir.js';
import type { CliContext, SetExitCode } from '../context.js';
import { DEFAULT_PORT, probeHealth } from '../health.js';
import { requestLine } from '../line-log.js';
import { createLogger } from '../logger.js';
import { parsePort, parsePositiveInt } from '../options.js';
import { type SharedProxyFlags, upstreamsFrom, withSharedProxyFlags } from '../proxy-flags.js';
import { loopbackUrl } from '../proxy-registry.js';
import { waitForStopSignal } from '../stop-signal.js';
import { renderSummary } from '../summary.js';

interface ProxyFlags extends SharedProxyFlags {
  readonly port: string;
  readonly host: string;
  readonly quiet?: boolean;
  readonly connectTimeout?: string;
  readonly firstByteTimeout?: string;
  readonly idleTimeout?: string;
  readonly drain: string;
  readonly redis?: string;
  readonly redisPrefix?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export function registerProxy(program: Command, ctx: CliContext, setExit: SetExitCode): void {
  const command = program
    .command('proxy')
    .description('run the headroom proxy in the foreground (one line per request; Ctrl-C stops it)')
    .option('--port <port>', 'port to listen on (0: a free one, named when it starts)', String(DEFAULT_PORT))
    .option('--host <host>', 'address to bind', '127.0.0.1');
  withSharedProxyFlags(command, 'the public API')
    .option('-q, --quiet', 'no line per request')
    .option(
      '--connect-timeout <seconds>',
      'answer 504 when the provider does not accept a connection in time',
      '10',
    )
    .option(
      '--first-byte-timeout <seconds>',
      'answer 504 when the provider has not started answering in time',
      '600',
    )
    .option('--idle-timeout <seconds>', 'cut a response the provider has gone silent on for this long', '300')
    .option('--drain <seconds>', 'on Ctrl-C or SIGTERM, let requests in flight finish for this long', '10')
    .option(
      '--redis <url>',
      'join a fleet: share originals and the ledger on this Redis (default: $HEADROOM_REDIS_URL)',
    )
    .option(
      '--redis-prefix <prefix>',
      `prefix of the fleet's Redis keys (default: $HEADROOM_REDIS_PREFIX or ${DEFAULT_FLEET_PREFIX})`,
    )
    .addHelpText(
      'after',
      `
Point any client at it: ANTHROPIC_BASE_URL=http://127.0.0.1:8787, OpenAI base URL http://127.0.0.1:8787/v1.
\`headroom wrap --reuse <agent>\` attaches agents to it. Several proxies behind a load balancer share their
originals (markers redeemable on any of them) and ledger with --redis; \`headroom stats --redis\` reports them all.

Examples:
  $ headroom proxy
  $ headroom proxy --port 9000 --no-optimize
  $ headroom proxy --anthropic-upstream http://127.0.0.1:4000
  $ HEADROOM_REDIS_URL=redis://:password@10.0.0.5:6379 headroom proxy --host 0.0.0.0`,
    )
    .action(async (flags: ProxyFlags) => {
      setExit(await runProxy(flags, ctx));
    });
}

/** `--redis` and `--redis-prefix`, checked here so a bad URL is named by its flag (and never echoed). */
function redisOption(flags: ProxyFlags, env: NodeJS.ProcessEnv): Pick<ProxyOptions, 'redis'> {
  if (flags.redis === undefined && flags.redisPrefix === undefined) return {};
  if (flags.redis === undefined && !env.HEADROOM_REDIS_URL) {
    throw new HeadroomError('INVALID_OPTION', '`--redis-prefix` needs a fleet: give `--redis <url>` too.', {
      fix: 'Add `--redis redis://host:6379`, or set HEADROOM_REDIS_URL.',
    });
  }
  return {
    redis: {
      ...(flags.redis === undefined ? {} : { url: parseRedisUrl(flags.redis, '--redis') }),
      ...(flags.redisPrefix === undefined
        ? {}
        : { prefix: parseRedisPrefix(flags.redisPrefix, '--redis-prefix') }),
    },
  };
}

/** The proxy's fleet state once its first Redis connection has settled (ready or failed), within a second or so. */
async function fleetAtStart(url: string): Promise<FleetHealth | undefined> {
  for (let tries = 0; ; tries += 1) {
    const fleet = (await probeHealth(url))?.fleet;
    if (fleet?.redis.status !== 'connecting' || tries >= 30) return fleet;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const seconds = (value: string | undefined, flag: string, min = 1): number =>
  parsePositiveInt(value ?? '', flag, min) * 1000;

async function runProxy(flags: ProxyFlags, ctx: CliContext): Promise<number> {
  const logger = createLogger({ env: ctx.env, streams: ctx.streams });
  // 0 asks the system for a free port, as listen(0) does; the start line names the one it gave.
  const port = flags.port === '0' ? 0 : parsePort(flags.port);
  const upstreams = upstreamsFrom(flags, ctx.env);
  const drainMs = seconds(flags.drain, '--drain', 0);
  if (!LOOPBACK_HOSTS.has(flags.host)) {
    logger.warn(
      `listening on ${flags.host}: anyone who can reach it can send requests with your clients' keys.`,
    );
  }
  const dir = stateDir(ctx.env);
  const { launchProxy } = await import('../proxy-runner.js');
  const proxy = await launchProxy(
    {
      port,
      host: flags.host,
      optimize: flags.optimize,
      session: 'proxy',
      stateDir: dir,
      env: ctx.env,
      ...upstreams,
      ...redisOption(flags, ctx.env),
      timeouts: {
        connectMs: seconds(flags.connectTimeout, '--connect-timeout'),
        firstByteMs: seconds(flags.firstByteTimeout, '--first-byte-timeout'),
        idleMs: seconds(flags.idleTimeout, '--idle-timeout'),
      },
      log: (line) => logger.info(line),
      ...(flags.quiet === true ? {} : { onRequest: (entry) => logger.info(requestLine(entry)) }),
    },
    'proxy',
  );
  logger.info(
    `headroom proxy on ${proxy.url} (optimization ${flags.optimize ? 'on' : 'off'}); ledger ${ledgerPath(dir)}; dashboard ${loopbackUrl(proxy.host, proxy.port) ?? proxy.url}/dashboard. Ctrl-C stops it.`,
  );
  const fleet = await fleetAtStart(loopbackUrl(proxy.host, proxy.port) ?? proxy.url);
  if (fleet?.redis.status === 'ready') {
    logger.info(`fleet: sharing originals and the ledger on ${fleet.redis.url} (keys ${fleet.prefix}*)`);
  } else if (fleet !== undefined) {
    logger.warn(
      `fleet: Redis at ${fleet.redis.url} is not reachable (${fleet.redis.reason ?? fleet.redis.status}); serving from the local store and ledger, reconnecting in the background.`,
    );
  }

  const signal = await waitForStopSignal();
  // The stop handlers are gone now, so a second Ctrl-C ends the process at once (node's default).
  logger.info(
    `headroom: ${signal}, finishing requests in flight (up to ${flags.drain} s; Ctrl-C again stops it at once)`,
  );
  await proxy.close({ drainMs });
  logger.info(
    renderSummary({
      agent: 'proxy',
      totals: proxy.stats(),
      optimize: flags.optimize,
      ledger: ledgerPath(dir),
      color: logger.color,
    }),
  );
  return 0;
}
