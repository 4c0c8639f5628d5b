import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { HeadroomError } from '../../errors.js';
import { ledgerPath } from '../../ledger/ledger.js';
import { stateDir } from '../../state-dir.js';
import type { CliContext, SetExitCode } from '../context.js';
import { DEFAULT_PORT, type ProxyHealth, probeHealth } from '../health.js';
import { createLogger, type Logger } from '../logger.js';
import { parsePort } from '../options.js';
import { isAddressInUse, portInUseError } from '../port-owner.js';
import { describeProxy, liveProxies, type ProxyEntry, proxyJson } from '../proxy-registry.js';
import { waitForStopSignal } from '../stop-signal.js';

interface DashboardFlags {
  readonly port?: string;
  readonly open?: boolean;
  readonly json?: boolean;
}

export function registerDashboard(program: Command, ctx: CliContext, setExit: SetExitCode): void {
  program
    .command('dashboard')
    .description('a local web page of what headroom saved and why, live (prints its URL)')
    .option(
      '--port <port>',
      `the proxy whose dashboard to show, or the port to serve it on (default: a proxy on ${DEFAULT_PORT}, else the newest running one, else a free port)`,
    )
    .option('--open', 'open it in the default browser (only when stdout is a terminal)')
    .option('-j, --json', 'print {"url", "source", …} on stdout as JSON')
    .addHelpText(
      'after',
      `
A running \`headroom proxy\` (or \`wrap\`) serves the dashboard at http://127.0.0.1:<port>/dashboard; this
command prints that URL: the proxy's on port ${DEFAULT_PORT}, else that of the most recently started proxy
(a \`wrap\`'s runs on a free port; the others are named on stderr). With no proxy running (or none on
\`--port\`) it serves the same page itself, from the ledger on disk, until Ctrl-C. The page answers only
its own loopback origin: other sites in your browser get nothing.

Examples:
  $ headroom dashboard
  $ headroom dashboard --open
  $ headroom dashboard --port 9000`,
    )
    .action(async (flags: DashboardFlags) => {
      setExit(await dashboard(flags, ctx));
    });
}

/** The proxy at `base` when it is a headroom proxy that serves the dashboard. */
async function proxyDashboard(base: string): Promise<{ url: string; health: ProxyHealth } | undefined> {
  const health = await probeHealth(base);
  if (health === undefined) return undefined;
  const url = `${base}/dashboard`;
  const page = await fetch(url, { signal: AbortSignal.timeout(1_500) }).catch(() => undefined);
  await page?.body?.cancel();
  if (page?.status !== 200) {
    throw new HeadroomError(
      'PORT_IN_USE',
      `the headroom proxy at ${base} (version ${health.version ?? 'unknown'}, PID ${health.pid ?? '?'}) has no dashboard.`,
      {
        fix: 'Restart it with this version of headroom, or pick another port with `--port` to serve the dashboard from the ledger.',
      },
    );
  }
  return { url, health };
}

/** Opens a URL in the user's browser, without a shell; a missing opener is only a warning. */
function openBrowser(url: string, logger: Logger): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['explorer.exe', [url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.once('error', () =>
    logger.warn(`could not start ${command} to open the page; open ${url} yourself.`),
  );
  child.unref();
}

type Show = (url: string, extra: Record<string, unknown>) => void;

const loopbackBase = (port: number): string => `http://127.0.0.1:${port}`;

/**
 * Without `--port`: the proxy on the default port, else the most recently started of the running ones
 * (`wrap`'s are on free ports), naming the others. False when none runs.
 */
async function showRunningProxy(dir: string, logger: Logger, show: Show): Promise<boolean> {
  const [onDefault, running] = await Promise.all([
    proxyDashboard(loopbackBase(DEFAULT_PORT)),
    liveProxies(dir),
  ]);
  const listed = { running: running.map(proxyJson) };
  let chosenPort = DEFAULT_PORT;
  if (onDefault !== undefined) {
    show(onDefault.url, { source: 'proxy', pid: onDefault.health.pid ?? null, ...listed });
    logger.info(`the headroom proxy on port ${DEFAULT_PORT} serves it, with its live counters.`);
  } else {
    const newest = await firstServing(running);
    if (newest === undefined) return false;
    show(newest.dashboard, { source: 'proxy', pid: newest.pid, startedBy: newest.startedBy, ...listed });
    logger.info(
      `the headroom proxy of \`headroom ${newest.startedBy}\` (PID ${newest.pid}, port ${newest.port}), the most recently started, serves it, with its live counters.`,
    );
    chosenPort = newest.port;
  }
  const others = running.filter((entry) => entry.port !== chosenPort);
  if (others.length > 0) {
    logger.info(
      `${others.length} other headroom ${others.length === 1 ? 'proxy is' : 'proxies are'} running: ${others.map(describeProxy).join(', ')}; \`headroom dashboard --port <port>\` shows another.`,
    );
  }
  return true;
}

/** The first of the running proxies whose dashboard answers (one may stop between listing and asking). */
async function firstServing(
  running: readonly ProxyEntry[],
): Promise<(ProxyEntry & { dashboard: string }) | undefined> {
  for (const entry of running) {
    const found = await proxyDashboard(entry.url);
    if (found !== undefined) return { ...entry, dashboard: found.url };
  }
  return undefined;
}

async function dashboard(flags: DashboardFlags, ctx: CliContext): Promise<number> {
  const json = flags.json === true;
  const logger = createLogger({ env: ctx.env, streams: ctx.streams, json });
  const pinned = flags.port === undefined ? undefined : parsePort(flags.port);
  const show: Show = (url, extra) => {
    if (json) logger.printJson({ url, ...extra });
    else logger.data(`${url}\n`);
    if (flags.open !== true) return;
    if (ctx.streams.stdout.isTTY === true) openBrowser(url, logger);
    else logger.warn('not opening a browser: stdout is not a terminal.');
  };

  const dir = stateDir(ctx.env);
  if (pinned !== undefined) {
    const running = await proxyDashboard(loopbackBase(pinned));
    if (running !== undefined) {
      show(running.url, { source: 'proxy', pid: running.health.pid ?? null });
      logger.info(`the headroom proxy on port ${pinned} serves it, with its live counters.`);
      return 0;
    }
  } else {
    const shown = await showRunningProxy(dir, logger, show);
    if (shown) return 0;
  }

  const { startDashboardServer } = await import('../../dashboard/server.js');
  let server: Awaited<ReturnType<typeof startDashboardServer>>;
  try {
    server = await startDashboardServer({ stateDir: dir, port: pinned ?? 0 });
  } catch (error) {
    if (pinned !== undefined && isAddressInUse(error)) throw await portInUseError(pinned, error);
    throw error;
  }
  show(server.url, {
    source: 'ledger',
    pid: process.pid,
    ledger: ledgerPath(dir),
    ...(pinned === undefined ? { running: [] } : {}),
  });
  logger.info(
    `headroom dashboard serving the ledger at ${ledgerPath(dir)} (${pinned === undefined ? 'no headroom proxy running' : `no proxy on port ${pinned}`}). Ctrl-C stops it.`,
  );
  await waitForStopSignal();
  await server.close();
  return 0;
}
