import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { ledgerPath } from '../../ledger/ledger.js';
import {
  DEFAULT_ANTHROPIC_UPSTREAM,
  DEFAULT_GEMINI_UPSTREAM,
  DEFAULT_OPENAI_UPSTREAM,
  withoutCredentials,
} from '../../proxy/options.js';
import { stateDir } from '../../state-dir.js';
import {
  AGENTS,
  type AgentName,
  findExecutable,
  isAgentName,
  type LaunchPlan,
  planLaunch,
  readCodexConfig,
} from '../agents.js';
import type { CliContext, SetExitCode } from '../context.js';
import { DEFAULT_PORT } from '../health.js';
import { createLogger, type Logger } from '../logger.js';
import { withSharedProxyFlags } from '../proxy-flags.js';
import { didYouMean } from '../suggest.js';
import { renderSummary } from '../summary.js';
import {
  type JsonObject,
  OPENCODE_PROVIDER,
  opencodeModelArg,
  opencodeSettings,
  readQwenSystemSettings,
  type SessionSettings,
  userOpencodeConfig,
  writeQwenSettings,
} from '../wrap/agent-config.js';
import { prepareGeminiSession } from '../wrap/gemini-settings.js';
import { openProxySession, type ProxySession } from '../wrap/proxy-session.js';
import { resumeWatcher, wrappedResume } from '../wrap/resume-hint.js';
import { sessionFromStore } from '../wrap/session-store.js';
import {
  DEFAULT_BASH_BUDGET,
  DEFAULT_READ_BUDGET,
  SHELL_OUTPUT_BUDGETS,
  type WrapFlags,
  type WrapSettings,
  wrapSettings,
} from '../wrap/settings.js';
import { superviseAgent } from '../wrap/supervise.js';

export function registerWrap(program: Command, ctx: CliContext, setExit: SetExitCode): void {
  const command = program
    .command('wrap')
    .description('run a coding agent through a local headroom proxy, then print what it saved')
    .argument('<agent>', 'claude, codex, gemini, aider, qwen or opencode')
    .argument('[args...]', "the agent's own arguments, passed through untouched")
    .option('--port <port>', 'pin the proxy port (default: a free port)')
    .option(
      '--reuse',
      `attach to a healthy, compatible \`headroom proxy\` on --port (default ${DEFAULT_PORT}) instead of starting one`,
    );
  withSharedProxyFlags(
    command,
    '$ANTHROPIC_BASE_URL or the public API',
    '$GOOGLE_GEMINI_BASE_URL or the public API',
  )
    .option('--verbose', "log one savings line per request (to the log file, never into the agent's screen)")
    .option(
      '--log-file <path>',
      'proxy log file (default: <state dir>/logs/<session>.log; "-" writes to stderr)',
    )
    .option(
      '--read-budget <tokens>',
      `claude: tokens per Read result, Claude Code's own cap (default ${DEFAULT_READ_BUDGET})`,
    )
    .option(
      '--bash-budget <chars>',
      `claude: characters per saved Bash output shown whole-in-view (default ${DEFAULT_BASH_BUDGET})`,
    )
    .option('--no-claude-budget', "claude: keep Claude Code's own Read cap and Bash previews")
    .option(
      '--tool-output-budget <chars>',
      `codex, gemini, qwen, opencode: characters kept per command output (default: what the agent keeps itself, ${SHELL_OUTPUT_BUDGETS.codex}, ${SHELL_OUTPUT_BUDGETS.gemini}, ${SHELL_OUTPUT_BUDGETS.qwen}, ${SHELL_OUTPUT_BUDGETS.opencode})`,
    )
    .option('--no-codex-budget', "codex: keep Codex's own output cut and send outputs as Codex trims them")
    .option('--no-gemini-budget', "gemini: keep Gemini CLI's own output cut and its terminal shell")
    .option('--no-qwen-budget', "qwen: keep Qwen Code's own output cut and its terminal shell")
    .option('--no-opencode-budget', "opencode: keep opencode's own output cut (the last 2,000 lines / 50 KB)")
    .option('--no-summary', 'do not print the savings summary when the agent exits')
    // Everything from the agent name on is the agent's; an unknown option before it is a typo of ours.
    .passThroughOptions()
    .allowExcessArguments()
    .addHelpText(
      'after',
      `
Everything after the agent name goes to the agent as given (a leading "--" is dropped).

Examples:
  $ headroom wrap claude
  $ headroom wrap claude -p "fix the failing test" --model claude-sonnet-4-6
  $ headroom wrap codex exec "why does npm test fail?"
  $ headroom wrap gemini -p "why does npm test fail?" --yolo
  $ headroom wrap qwen -p "why does npm test fail?"
  $ headroom wrap opencode run -m headroom/gpt-5 "why does npm test fail?"
  $ headroom wrap --port 9000 --verbose aider --model gpt-5
  $ headroom wrap --no-optimize claude          # same path, nothing compressed (A/B)`,
    )
    .action(async (agent: string, args: string[], flags: WrapFlags) => {
      setExit(await wrap(agent, args, flags, ctx));
    });
}

/**
 * `headroom wrap <agent>`: check the agent and flags, start (or reuse) a proxy, launch the agent pointed
 * at it, wait for it, then say what it saved and how to resume through headroom.
 */
async function wrap(agentArg: string, rawArgs: string[], flags: WrapFlags, ctx: CliContext): Promise<number> {
  const logger = createLogger({ env: ctx.env, streams: ctx.streams });
  if (!isAgentName(agentArg)) {
    const names = Object.keys(AGENTS);
    logger.error(
      `unknown agent \`${agentArg}\`. Expected one of: ${names.join(', ')}.${didYouMean(agentArg, names)}`,
    );
    return 2;
  }
  const agent = agentArg;
  const settings = wrapSettings(agent, rawArgs, flags, ctx.env);
  const executable = await findExecutable(AGENTS[agent].command, ctx.env);
  if (executable === undefined) {
    logger.error(
      `${AGENTS[agent].label} (\`${AGENTS[agent].command}\`) is not on your PATH. Install it with: ${AGENTS[agent].install}`,
    );
    return 127;
  }

  // The user's settings the agent's session settings must hold, read before anything starts.
  const base = await userSettings(agent, settings, ctx.env);
  const session = sessionId(agent);
  const dir = stateDir(ctx.env);
  const proxy = await withSpinner(logger, ctx, () =>
    openProxySession(agent, session, dir, settings, flags, ctx, logger),
  );
  // A reused `headroom proxy` holds no output to a budget, so the agents keep their own cuts.
  const shellBudget = settings.shellBudget && !proxy.reused;
  const sessionSettings = await agentSessionSettings(agent, settings, proxy.url, ctx.env, base, {
    liftCuts: shellBudget,
    dir: path.join(dir, 'agent-settings', session),
  }).catch(async (error: unknown) => {
    await proxy.close();
    throw error;
  });
  const plan = await launchPlan(agent, settings, proxy, ctx, shellBudget, sessionSettings);
  if (agent === 'gemini') warnGeminiKey(ctx.env, logger);
  if (agent === 'opencode') warnUnrouted(settings.agentArgs, logger);
  if (flags.verbose === true) {
    proxy.log.write(`${new Date().toISOString()} session ${session}: ${agent} via ${proxy.url}`);
    proxy.log.write(`injected: ${plan.injected.join('; ')}`);
  }

  const resume = resumeWatcher(agent);
  const launchedAt = Date.now();
  const exitCode = await superviseAgent(executable, plan.args, plan.env, ctx, logger, resume).finally(() =>
    sessionSettings?.close(),
  );
  const stats = await proxy.close();

  const summary = flags.summary
    ? sessionSummary(agent, flags, settings, proxy, stats, dir, logger)
    : undefined;
  // The user's own environment: the agents' stores are where it says (a session's stand-in home is gone).
  const wrapped = resume.wrapped() ?? (await resumeFromStore(agent, settings, ctx.env, ctx, launchedAt));
  // Forwarded output may end mid-line (Claude Code's "Execution error" after Ctrl-C): not on ours.
  if ((summary !== undefined || wrapped !== undefined) && resume.midLine()) logger.info('');
  if (summary !== undefined) logger.info(summary);
  if (wrapped !== undefined) logger.info(`headroom: to resume through headroom, run: ${wrapped}`);
  return exitCode;
}

/**
 * On a terminal the agent's own resume hint goes straight to the screen, so the session it used is looked
 * up in its own store instead (see session-store.ts).
 */
async function resumeFromStore(
  agent: AgentName,
  settings: WrapSettings,
  env: NodeJS.ProcessEnv,
  ctx: CliContext,
  since: number,
): Promise<string | undefined> {
  if (ctx.streams.stdout.isTTY !== true) return undefined;
  const id = await sessionFromStore({ agent, args: settings.agentArgs, env, cwd: process.cwd(), since });
  return id === undefined ? undefined : wrappedResume(agent, id);
}

function sessionId(agent: AgentName): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${agent}-${stamp}-${randomUUID().slice(0, 8)}`;
}

/** A proxy start shorter than this shows no spinner: loading ora alone takes 60-100 ms. */
const SPINNER_AFTER_MS = 400;

/**
 * Spinners only where someone watches a terminal, and only once the proxy is slow to start: ora is
 * loaded then, so the usual start does not wait for it.
 */
async function withSpinner<T>(logger: Logger, ctx: CliContext, work: () => Promise<T>): Promise<T> {
  const running = work();
  if (!logger.interactive) return running;
  let stopped = false;
  let stop = (): void => {
    stopped = true;
  };
  const timer = setTimeout(() => {
    import('ora').then(
      ({ default: ora }) => {
        if (stopped) return;
        const spinner = ora({ text: 'starting headroom proxy', stream: ctx.streams.stderr }).start();
        stop = () => spinner.stop();
      },
      () => undefined, // A spinner that cannot load is no reason to stop the agent from starting.
    );
  }, SPINNER_AFTER_MS);
  try {
    return await running;
  } finally {
    clearTimeout(timer);
    stop();
  }
}

/**
 * What the agent's session settings lay themselves over: Qwen Code's system settings (budget mode only),
 * the user's `OPENCODE_CONFIG_CONTENT`. One headroom cannot read stops the wrap before anything runs.
 * (Gemini CLI's settings files are read as Gemini CLI reads them, comments and all: gemini-settings.ts.)
 */
async function userSettings(agent: AgentName, settings: WrapSettings, env: NodeJS.ProcessEnv) {
  if (agent === 'qwen' && settings.shellBudget) return readQwenSystemSettings(env);
  return agent === 'opencode' ? userOpencodeConfig(env) : {};
}

/** How to launch the agent, its session settings (if any) added. */
async function launchPlan(
  agent: AgentName,
  settings: WrapSettings,
  proxy: ProxySession,
  ctx: CliContext,
  shellBudget: boolean,
  sessionSettings: SessionSettings | undefined,
): Promise<LaunchPlan> {
  return planLaunch(agent, settings.agentArgs, {
    proxyUrl: proxy.url,
    env: ctx.env,
    codexBudget: shellBudget,
    claudeBudget: settings.claudeConfigDir !== undefined && !proxy.reused,
    codexConfig: agent === 'codex' ? await readCodexConfig(ctx.env) : undefined,
    sessionSettings,
  });
}

/**
 * The agent's settings for this session only, laid over the user's own (`base`), which the caller takes
 * away when the agent exits: Gemini CLI's auth type and output cut, in `dir` (gemini-settings.ts); Qwen
 * Code's output cuts in budget mode, in `dir` too; opencode's headroom provider (agent-config.ts).
 * Undefined for the agents set up by flags and variables alone.
 */
async function agentSessionSettings(
  agent: AgentName,
  settings: WrapSettings,
  proxyUrl: string,
  env: NodeJS.ProcessEnv,
  base: JsonObject,
  session: { readonly liftCuts: boolean; readonly dir: string },
): Promise<SessionSettings | undefined> {
  switch (agent) {
    case 'gemini':
      return prepareGeminiSession({ env, dir: session.dir, liftCap: session.liftCuts });
    case 'qwen':
      return session.liftCuts ? writeQwenSettings(base, session.dir) : undefined;
    case 'opencode':
      return opencodeSettings(proxyUrl, settings.agentArgs, env, session.liftCuts, base);
    default:
      return undefined;
  }
}

/** `wrap gemini` routes API-key traffic only: say so when no key is in sight. */
function warnGeminiKey(env: NodeJS.ProcessEnv, logger: Logger): void {
  if (env.GEMINI_API_KEY) return;
  logger.warn(
    'GEMINI_API_KEY is not set: `wrap gemini` routes Gemini API-key traffic only (Google login and Vertex AI go to other hosts, which headroom does not route). Set GEMINI_API_KEY (a key from https://aistudio.google.com/apikey), or keep it in a .env file Gemini CLI reads.',
  );
}

/** opencode sends a model of another provider straight to that provider, past headroom: say so. */
function warnUnrouted(agentArgs: readonly string[], logger: Logger): void {
  const model = opencodeModelArg(agentArgs);
  if (model === undefined || model.startsWith(`${OPENCODE_PROVIDER}/`)) return;
  logger.warn(
    `opencode's model \`${model}\` is not headroom's: its requests go straight to its provider, not through headroom. Pick it as -m ${OPENCODE_PROVIDER}/${model.split('/').at(-1)} to route it.`,
  );
}

function sessionSummary(
  agent: AgentName,
  flags: WrapFlags,
  settings: WrapSettings,
  proxy: ProxySession,
  stats: Awaited<ReturnType<ProxySession['close']>>,
  dir: string,
  logger: Logger,
): string {
  if (stats === undefined) {
    return `headroom: requests went through the shared proxy at ${proxy.url}; see \`headroom stats --by session\` for its savings.`;
  }
  return renderSummary({
    agent,
    totals: stats,
    optimize: flags.optimize,
    ledger: ledgerPath(dir),
    log: proxy.log.used ? proxy.log.target : undefined,
    upstreams: upstreamNames(agent, settings),
    color: logger.color,
  });
}

/** Where this agent's requests go, as the summary names them when they could not get there. */
function upstreamNames(agent: AgentName, settings: WrapSettings): string[] {
  const { anthropicUpstream, openaiUpstream, geminiUpstream } = settings.upstreams;
  const anthropic = withoutCredentials(anthropicUpstream ?? DEFAULT_ANTHROPIC_UPSTREAM);
  const openai = withoutCredentials(openaiUpstream ?? DEFAULT_OPENAI_UPSTREAM);
  if (agent === 'gemini') return [withoutCredentials(geminiUpstream ?? DEFAULT_GEMINI_UPSTREAM)];
  return agent === 'claude' ? [anthropic] : agent === 'aider' ? [anthropic, openai] : [openai];
}
