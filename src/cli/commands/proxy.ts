import type { Command } from 'commander';
import { ledgerPath } from '../../ledger/ledger.js';
import { stateDir } from '../../state-dir.js';
import type { CliContext, SetExitCode } from '../context.js';
import { DEFAULT_PORT } from '../health.js';
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
    .addHelpText(
      'after',
      `
Point any client at it: ANTHROPIC_BASE_URL=http://127.0.0.1:8787, OpenAI base URL http://127.0.0.1:8787/v1.
\`headroom wrap --reuse <agent>\` attaches agents to it.

Examples:
  $ headroom proxy
  $ headroom proxy --port 9000 --no-optimize
  $ headroom proxy --anthropic-upstream http://127.0.0.1:4000`,
    )
    .action(async (flags: ProxyFlags) => {
      setExit(await runProxy(flags, ctx));
    });
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
