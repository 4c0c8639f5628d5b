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
      `the proxy whose dashboard to show, or the port to serve it on (default: a proxy on ${DEFAULT_PORT}, else a free port)`,
    )
    .option('--open', 'open it in the default browser (only when stdout is a terminal)')
    .option('-j, --json', 'print {"url", "source", …} on stdout as JSON')
    .addHelpText(
      'after',
      `
A running \`headroom proxy\` (or \`wrap\`) serves the dashboard at http://127.0.0.1:<port>/dashboard; this
command prints that URL. With no proxy on the port it serves the same page itself, from the ledger on
disk, until Ctrl-C. The page answers only its own loopback origin: other sites in your browser get nothing.

Examples:
  $ headroom dashboard
  $ headroom dashboard --open
  $ headroom dashboard --port 9000`,
    )
    .action(async (flags: DashboardFlags) => {
      setExit(await dashboard(flags, ctx));
    });
}

/** The proxy on `port` when it is a headroom proxy that serves the dashboard. */
async function proxyDashboard(port: number): Promise<{ url: string; health: ProxyHealth } | undefined> {
  const base = `http://127.0.0.1:${port}`;
  const health = await probeHealth(base);
  if (health === undefined) return undefined;
  const url = `${base}/dashboard`;
  const page = await fetch(url, { signal: AbortSignal.timeout(1_500) }).catch(() => undefined);
  await page?.body?.cancel();
  if (page?.status !== 200) {
    throw new HeadroomError(
      'PORT_IN_USE',
      `the headroom proxy on port ${port} (version ${health.version ?? 'unknown'}, PID ${health.pid ?? '?'}) has no dashboard.`,
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

async function dashboard(flags: DashboardFlags, ctx: CliContext): Promise<number> {
  const json = flags.json === true;
  const logger = createLogger({ env: ctx.env, streams: ctx.streams, json });
  const pinned = flags.port === undefined ? undefined : parsePort(flags.port);
  const show = (url: string, extra: Record<string, unknown>): void => {
    if (json) logger.printJson({ url, ...extra });
    else logger.data(`${url}\n`);
    if (flags.open !== true) return;
    if (ctx.streams.stdout.isTTY === true) openBrowser(url, logger);
    else logger.warn('not opening a browser: stdout is not a terminal.');
  };

  const running = await proxyDashboard(pinned ?? DEFAULT_PORT);
  if (running !== undefined) {
    show(running.url, { source: 'proxy', pid: running.health.pid ?? null });
    logger.info(`the headroom proxy on port ${pinned ?? DEFAULT_PORT} serves it, with its live counters.`);
    return 0;
  }

  const dir = stateDir(ctx.env);
  const { startDashboardServer } = await import('../../dashboard/server.js');
  let server: Awaited<ReturnType<typeof startDashboardServer>>;
  try {
    server = await startDashboardServer({ stateDir: dir, port: pinned ?? 0 });
  } catch (error) {
    if (pinned !== undefined && isAddressInUse(error)) throw await portInUseError(pinned, error);
    throw error;
  }
  show(server.url, { source: 'ledger', pid: process.pid, ledger: ledgerPath(dir) });
  logger.info(
    `headroom dashboard serving the ledger at ${ledgerPath(dir)} (no proxy on port ${pinned ?? DEFAULT_PORT}). Ctrl-C stops it.`,
  );
  await waitForStopSignal();
  await server.close();
  return 0;
}
