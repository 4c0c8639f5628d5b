import { randomUUID } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { LedgerEntry } from '../../ledger/entry.js';
import { ledgerPath } from '../../ledger/ledger.js';
import { passthroughReasons, summarize } from '../../ledger/report.js';
import { withoutCredentials } from '../../proxy/options.js';
import type { RunningProxy } from '../../proxy/server.js';
import { stateDir } from '../../state-dir.js';
import {
  AGENTS,
  type AgentName,
  findExecutable,
  isAgentName,
  planLaunch,
  readCodexConfig,
  userUpstreams,
} from '../agents.js';
import type { CliContext, SetExitCode } from '../context.js';
import { DEFAULT_PORT, type ProxyHealth, probeHealth } from '../health.js';
import { fileLineLog, type LineLog, requestLine, streamLineLog } from '../line-log.js';
import { createLogger, type Logger } from '../logger.js';
import { parsePort, parsePositiveInt, parseUpstream } from '../options.js';
import { renderSummary } from '../summary.js';

/** Codex keeps about this many characters of a command's output by itself; the budget matches it. */
export const DEFAULT_TOOL_OUTPUT_BUDGET = 10_000;
/** The compressor needs room for the header, errors and markers; smaller budgets are refused. */
const MIN_TOOL_OUTPUT_BUDGET = 1_000;

interface WrapFlags {
  readonly port?: string;
  readonly reuse?: boolean;
  readonly optimize: boolean;
  readonly verbose?: boolean;
  readonly logFile?: string;
  readonly anthropicUpstream?: string;
  readonly openaiUpstream?: string;
  readonly codexBudget: boolean;
  readonly toolOutputBudget?: string;
  readonly summary: boolean;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function registerWrap(program: Command, ctx: CliContext, setExit: SetExitCode): void {
  program
    .command('wrap')
    .description('run a coding agent through a local headroom proxy, then print what it saved')
    .argument('<agent>', 'claude, codex or aider')
    .argument('[args...]', "the agent's own arguments, passed through untouched")
    .option('--port <port>', 'pin the proxy port (default: a free port)')
    .option(
      '--reuse',
      `attach to a healthy, compatible \`headroom proxy\` on --port (default ${DEFAULT_PORT}) instead of starting one`,
    )
    .option('--no-optimize', 'forward requests without compressing them (to compare)')
    .option('--verbose', "log one savings line per request (to the log file, never into the agent's screen)")
    .option(
      '--log-file <path>',
      'proxy log file (default: <state dir>/logs/<session>.log; "-" writes to stderr)',
    )
    .option(
      '--anthropic-upstream <url>',
      'where Anthropic requests go (default: $ANTHROPIC_BASE_URL or the public API)',
    )
    .option('--openai-upstream <url>', 'where OpenAI requests go (default: the public API)')
    .option(
      '--tool-output-budget <chars>',
      `codex: characters kept per command output (default ${DEFAULT_TOOL_OUTPUT_BUDGET})`,
    )
    .option('--no-codex-budget', "codex: keep Codex's own output cut and send outputs as Codex trims them")
    .option('--no-summary', 'do not print the savings summary when the agent exits')
    .passThroughOptions()
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      'after',
      `
Everything after the agent name goes to the agent as given (a leading "--" is dropped).

Examples:
  $ headroom wrap claude
  $ headroom wrap claude -p "fix the failing test" --model claude-sonnet-4-6
  $ headroom wrap codex exec "why does npm test fail?"
  $ headroom wrap --port 9000 --verbose aider --model gpt-5
  $ headroom wrap --no-optimize claude          # same path, nothing compressed (A/B)`,
    )
    .action(async (agent: string, args: string[], flags: WrapFlags) => {
      setExit(await wrap(agent, args, flags, ctx));
    });
}

function sessionId(agent: AgentName): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${agent}-${stamp}-${randomUUID().slice(0, 8)}`;
}

type Upstreams = { anthropicUpstream?: string; openaiUpstream?: string };

function upstreamsFor(agent: AgentName, flags: WrapFlags, env: NodeJS.ProcessEnv): Upstreams {
  const user = userUpstreams(agent, env);
  const anthropic = flags.anthropicUpstream ?? env.HEADROOM_ANTHROPIC_UPSTREAM ?? user.anthropic;
  const openai = flags.openaiUpstream ?? env.HEADROOM_OPENAI_UPSTREAM ?? user.openai;
  return {
    ...(anthropic ? { anthropicUpstream: parseUpstream(anthropic, '--anthropic-upstream') } : {}),
    ...(openai ? { openaiUpstream: parseUpstream(openai, '--openai-upstream') } : {}),
  };
}

/** Why a running proxy cannot serve this session, or undefined when it can. */
export function reuseMismatch(
  health: ProxyHealth,
  optimize: boolean,
  upstreams: Upstreams,
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
  ];
  for (const [provider, url] of wanted) {
    if (url === undefined) continue;
    const their = theirs[provider];
    const shown = withoutCredentials(url).replace(/\/+$/, '');
    if (typeof their !== 'string' || their.replace(/\/+$/, '') !== shown) {
      return `its ${provider} upstream is ${typeof their === 'string' ? their : 'unknown'}, not ${shown}`;
    }
  }
  return undefined;
}

function exitCodeFor(signal: string): number {
  const number = (osConstants.signals as Record<string, number | undefined>)[signal];
  return 128 + (number ?? 1);
}

async function wrap(agentArg: string, rawArgs: string[], flags: WrapFlags, ctx: CliContext): Promise<number> {
  const logger = createLogger({ env: ctx.env, streams: ctx.streams });
  if (!isAgentName(agentArg)) {
    logger.error(`unknown agent \`${agentArg}\`. Expected one of: ${Object.keys(AGENTS).join(', ')}.`);
    return 2;
  }
  const agent = agentArg;
  const agentArgs = rawArgs[0] === '--' ? rawArgs.slice(1) : rawArgs;
  const port = flags.port === undefined ? undefined : parsePort(flags.port);
  const budget =
    flags.toolOutputBudget === undefined
      ? DEFAULT_TOOL_OUTPUT_BUDGET
      : parsePositiveInt(flags.toolOutputBudget, '--tool-output-budget', MIN_TOOL_OUTPUT_BUDGET);
  const upstreams = upstreamsFor(agent, flags, ctx.env);

  const info = AGENTS[agent];
  const executable = await findExecutable(info.command, ctx.env);
  if (executable === undefined) {
    logger.error(`${info.label} (\`${info.command}\`) is not on your PATH. Install it with: ${info.install}`);
    return 127;
  }

  const session = sessionId(agent);
  const dir = stateDir(ctx.env);
  const log: LineLog =
    flags.logFile === '-'
      ? streamLineLog(ctx.streams.stderr, 'stderr')
      : fileLineLog(flags.logFile ?? path.join(dir, 'logs', `${session}.log`));
  const entries: LedgerEntry[] = [];
  const codexBudget = agent === 'codex' && flags.codexBudget;

  // Spinners only where someone watches a terminal; ora and execa load only for wrap.
  const spinner = logger.interactive
    ? (await import('ora')).default({ text: 'starting headroom proxy', stream: ctx.streams.stderr }).start()
    : undefined;
  let proxy: RunningProxy | undefined;
  let proxyUrl: string;
  try {
    const reused =
      flags.reuse === true
        ? await findReusable(port ?? DEFAULT_PORT, flags.optimize, upstreams, logger)
        : undefined;
    if (reused !== undefined) {
      proxyUrl = reused;
    } else {
      // Loaded here so commands that need no proxy start without the compressor and server.
      const { launchProxy } = await import('../proxy-runner.js');
      proxy = await launchProxy({
        ...(port === undefined || flags.reuse === true ? {} : { port }),
        host: '127.0.0.1',
        optimize: flags.optimize,
        session,
        agent,
        stateDir: dir,
        env: ctx.env,
        ...upstreams,
        ...(codexBudget ? { compress: { toolOutputBudget: budget } } : {}),
        log: (line) => log.write(line),
        onRequest: (entry) => {
          entries.push(entry);
          if (flags.verbose === true) log.write(requestLine(entry));
        },
      });
      proxyUrl = proxy.url.replace(/\/+$/, '');
    }
  } catch (error) {
    spinner?.stop();
    throw error;
  }
  spinner?.stop();
  if (flags.verbose === true) {
    log.write(
      `${new Date().toISOString()} session ${session}: ${agent} via ${proxyUrl}${proxy ? '' : ' (reused)'}`,
    );
  }

  const plan = planLaunch(agent, agentArgs, {
    proxyUrl,
    env: ctx.env,
    codexBudget,
    codexConfig: agent === 'codex' ? await readCodexConfig(ctx.env) : undefined,
  });
  if (flags.verbose === true) log.write(`injected: ${plan.injected.join('; ')}`);

  const exitCode = await runAgent(executable, plan.args, plan.env, ctx, logger);

  if (proxy !== undefined)
    await proxy.stop().catch((error: unknown) => log.write(`proxy stop failed: ${String(error)}`));
  if (flags.summary) {
    if (proxy === undefined) {
      logger.info(
        `headroom: requests went through the shared proxy at ${proxyUrl}; see \`headroom stats --by session\` for its savings.`,
      );
    } else {
      const totals = summarize(entries);
      logger.info(
        renderSummary({
          agent,
          totals,
          models: [...new Set(entries.map((e) => e.model))].sort(),
          reasons: passthroughReasons(entries),
          optimize: flags.optimize,
          ledger: ledgerPath(dir),
          log: log.used ? log.target : undefined,
          color: logger.color,
        }),
      );
    }
  }
  return exitCode;
}

async function findReusable(
  port: number,
  optimize: boolean,
  upstreams: Upstreams,
  logger: Logger,
): Promise<string | undefined> {
  const url = `http://127.0.0.1:${port}`;
  const health = await probeHealth(url);
  if (health === undefined) return undefined;
  const mismatch = reuseMismatch(health, optimize, upstreams);
  if (mismatch === undefined) return url;
  logger.info(`headroom: not reusing the proxy on port ${port} (${mismatch}); starting a new one.`);
  return undefined;
}

/**
 * Runs the agent and returns the exit code headroom should exit with. On a terminal the agent inherits
 * it; otherwise it gets its own pipes, forwarded here, because Codex's Rust binary crashes writing to an
 * inherited non-blocking pipe.
 */
async function runAgent(
  executable: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  ctx: CliContext,
  logger: Logger,
): Promise<number> {
  const stdoutTTY = ctx.streams.stdout.isTTY === true;
  const stderrTTY = ctx.streams.stderr.isTTY === true;
  const { execa } = await import('execa');
  const child = execa(executable, args, {
    env,
    extendEnv: false,
    stdin: 'inherit',
    stdout: stdoutTTY ? 'inherit' : 'pipe',
    stderr: stderrTTY ? 'inherit' : 'pipe',
    buffer: false,
    reject: false,
    cleanup: true,
    forceKillAfterDelay: 10_000,
  });
  child.stdout?.pipe(ctx.streams.stdout, { end: false });
  child.stderr?.pipe(ctx.streams.stderr, { end: false });

  // Ctrl-C at a terminal reaches the whole foreground process group, agent included; sending it again
  // would count as a second press (Claude Code exits on two). Signals sent to headroom alone are passed on.
  const terminalSigint = ctx.stdin.isTTY === true;
  let forwarded: string | undefined;
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (signal === 'SIGINT' && terminalSigint) return;
      forwarded ??= signal;
      child.kill(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const result = await child;
    if (result.signal !== undefined) return exitCodeFor(result.signal);
    if (result.exitCode === undefined) {
      logger.error(`could not start ${executable}: ${result.shortMessage}`);
      return 126;
    }
    // An agent that exits 0 after being told to stop still stopped because of the signal.
    if (result.exitCode === 0 && forwarded !== undefined && forwarded !== 'SIGHUP')
      return exitCodeFor(forwarded);
    return result.exitCode;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
