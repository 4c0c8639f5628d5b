import type { Command } from 'commander';
import type { LedgerEntry } from '../../ledger/entry.js';
import { ledgerPath } from '../../ledger/ledger.js';
import { passthroughReasons, summarize, type Totals } from '../../ledger/report.js';
import { stateDir } from '../../state-dir.js';
import type { CliContext, SetExitCode } from '../context.js';
import { DEFAULT_PORT } from '../health.js';
import { createLogger } from '../logger.js';
import { parsePort, parsePositiveInt, parseUpstream } from '../options.js';
import { renderSummary } from '../summary.js';
import { requestLine } from './wrap.js';

interface ProxyFlags {
  readonly port: string;
  readonly host: string;
  readonly optimize: boolean;
  readonly anthropicUpstream?: string;
  readonly openaiUpstream?: string;
  readonly quiet?: boolean;
  readonly connectTimeout?: string;
  readonly firstByteTimeout?: string;
  readonly idleTimeout?: string;
  readonly drain: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export function registerProxy(program: Command, ctx: CliContext, setExit: SetExitCode): void {
  program
    .command('proxy')
    .description('run the headroom proxy in the foreground (one line per request; Ctrl-C stops it)')
    .option('--port <port>', 'port to listen on', String(DEFAULT_PORT))
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--no-optimize', 'forward requests without compressing them (to compare)')
    .option('--anthropic-upstream <url>', 'where Anthropic requests go (default: the public API)')
    .option('--openai-upstream <url>', 'where OpenAI requests go (default: the public API)')
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

/**
 * The exit summary's numbers, added up as requests complete: a proxy may run for weeks, so it keeps totals,
 * never the entries (the ledger on disk has those).
 */
function createSessionTotals() {
  let totals: Totals = summarize([]);
  const models = new Set<string>();
  const reasons = new Map<string, number>();
  return {
    add(entry: LedgerEntry): void {
      const one = summarize([entry]);
      const unpriced = new Set([...totals.unpricedModels, ...one.unpricedModels]);
      const sum = (key: keyof Totals): number => (totals[key] as number) + (one[key] as number);
      const tokensBefore = sum('tokensBefore');
      const tokensSaved = sum('tokensSaved');
      totals = {
        ...totals,
        requests: sum('requests'),
        passthroughs: sum('passthroughs'),
        tokensBefore,
        tokensAfter: sum('tokensAfter'),
        tokensSaved,
        savedPercent: tokensBefore > 0 ? (tokensSaved / tokensBefore) * 100 : 0,
        moneySaved: sum('moneySaved'),
        unpricedModels: [...unpriced].sort(),
        inputTokens: sum('inputTokens'),
        outputTokens: sum('outputTokens'),
        cacheReadTokens: sum('cacheReadTokens'),
        cacheWriteTokens: sum('cacheWriteTokens'),
      };
      models.add(entry.model);
      for (const { reason, count } of passthroughReasons([entry])) {
        reasons.set(reason, (reasons.get(reason) ?? 0) + count);
      }
    },
    totals: () => totals,
    models: () => [...models].sort(),
    reasons: () =>
      [...reasons]
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}

const seconds = (value: string | undefined, flag: string, min = 1): number =>
  parsePositiveInt(value ?? '', flag, min) * 1000;

async function runProxy(flags: ProxyFlags, ctx: CliContext): Promise<number> {
  const logger = createLogger({ env: ctx.env, streams: ctx.streams });
  const port = parsePort(flags.port);
  const drainMs = seconds(flags.drain, '--drain', 0);
  const anthropic = flags.anthropicUpstream ?? ctx.env.HEADROOM_ANTHROPIC_UPSTREAM;
  const openai = flags.openaiUpstream ?? ctx.env.HEADROOM_OPENAI_UPSTREAM;
  if (!LOOPBACK_HOSTS.has(flags.host)) {
    logger.warn(
      `listening on ${flags.host}: anyone who can reach it can send requests with your clients' keys.`,
    );
  }
  const dir = stateDir(ctx.env);
  const session = createSessionTotals();
  const { launchProxy } = await import('../proxy-runner.js');
  const proxy = await launchProxy({
    port,
    host: flags.host,
    optimize: flags.optimize,
    session: 'proxy',
    stateDir: dir,
    env: ctx.env,
    ...(anthropic ? { anthropicUpstream: parseUpstream(anthropic, '--anthropic-upstream') } : {}),
    ...(openai ? { openaiUpstream: parseUpstream(openai, '--openai-upstream') } : {}),
    timeouts: {
      connectMs: seconds(flags.connectTimeout, '--connect-timeout'),
      firstByteMs: seconds(flags.firstByteTimeout, '--first-byte-timeout'),
      idleMs: seconds(flags.idleTimeout, '--idle-timeout'),
    },
    log: (line) => logger.info(line),
    onRequest: (entry) => {
      session.add(entry);
      if (flags.quiet !== true) logger.info(requestLine(entry));
    },
  });
  logger.info(
    `headroom proxy on ${proxy.url} (optimization ${flags.optimize ? 'on' : 'off'}); ledger ${ledgerPath(dir)}. Ctrl-C stops it.`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  logger.info(`headroom: ${signal}, finishing requests in flight (up to ${flags.drain} s)`);
  await proxy.close({ drainMs });
  logger.info(
    renderSummary({
      agent: 'proxy',
      totals: session.totals(),
      models: session.models(),
      reasons: session.reasons(),
      optimize: flags.optimize,
      ledger: ledgerPath(dir),
      color: logger.color,
    }),
  );
  return 0;
}
