import net from 'node:net';
import type { Command } from 'commander';
import type { LedgerEntry } from '../../ledger/entry.js';
import { ledgerPath, readLedger } from '../../ledger/ledger.js';
import { stateDir } from '../../state-dir.js';
import { tokenCounter } from '../../tokens/count.js';
import { AGENTS, agentVersion, findExecutable } from '../agents.js';
import type { CliContext, SetExitCode } from '../context.js';
import {
  type CheckResult,
  checkAgent,
  checkBaseUrls,
  checkFleet,
  checkHttpProxy,
  checkKeys,
  checkLedger,
  checkMcp,
  checkNode,
  checkProxy,
  checkRunningProxies,
  checkSavings,
  checkStateDir,
  checkTokenizer,
  type FleetProbe,
  type McpInstall,
} from '../doctor-checks.js';
import { atPath, describeFailure } from '../failure.js';
import { countOf } from '../format.js';
import { DEFAULT_PORT, probeHealth } from '../health.js';
import { createLogger, type Logger } from '../logger.js';
import { findPortOwner, isPortInUse } from '../port-owner.js';
import { liveProxies } from '../proxy-registry.js';

interface DoctorFlags {
  readonly json?: boolean;
}

export function registerDoctor(program: Command, ctx: CliContext, setExit: SetExitCode): void {
  program
    .command('doctor')
    .description('check the set-up and explain the savings so far; exits non-zero when a check fails')
    .option('-j, --json', 'print JSON on stdout, nothing else')
    .addHelpText(
      'after',
      `
Examples:
  $ headroom doctor
  $ headroom doctor --json | jq '.checks[] | select(.status != "pass")'`,
    )
    .action(async (flags: DoctorFlags) => {
      setExit(await doctor(flags, ctx));
    });
}

/** Whether something accepts a TCP connection at a URL's host and port. */
function answers(url: URL): Promise<boolean> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Runs every check; each one is independent so one failure never hides the others. */
export async function runChecks(env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const dir = stateDir(env);
  const agents = Object.values(AGENTS).map(async (info) => {
    const executable = await findExecutable(info.command, env);
    const version = executable === undefined ? undefined : await agentVersion(executable, env);
    return checkAgent(info, executable, version);
  });
  const proxy = (async () => {
    const health = await probeHealth(`http://127.0.0.1:${DEFAULT_PORT}`);
    const inUse = health === undefined && (await isPortInUse(DEFAULT_PORT));
    return checkProxy(DEFAULT_PORT, health, inUse, inUse ? await findPortOwner(DEFAULT_PORT) : undefined);
  })();
  const ledger = atPath(ledgerPath(dir), readLedger(dir)).then(
    (read): { entries: LedgerEntry[]; skipped: number; unreadable?: string } => read,
    (error: unknown) => ({ entries: [], skipped: 0, unreadable: describeFailure(error, env) }),
  );
  const mcp = mcpInstalls(env);
  const [
    agentResults,
    proxyResult,
    baseUrls,
    stateResult,
    tokenizer,
    { entries, skipped, unreadable },
    mcpResult,
    running,
    fleet,
  ] = await Promise.all([
    Promise.all(agents),
    proxy,
    checkBaseUrls(env, answers),
    checkStateDir(dir),
    checkTokenizer(async () => (await tokenCounter('gpt-4o'))('headroom doctor checks the tokenizer')),
    ledger,
    mcp,
    liveProxies(dir),
    probeFleet(env),
  ]);
  return [
    checkNode(process.version),
    ...agentResults,
    ...checkKeys(env),
    baseUrls,
    checkHttpProxy(env),
    proxyResult,
    checkRunningProxies(running),
    checkFleet(fleet),
    stateResult,
    tokenizer,
    checkLedger(ledgerPath(dir), entries.length, skipped, unreadable),
    checkSavings(entries),
    checkMcp(mcpResult),
  ];
}

/** Asks the fleet's Redis (`HEADROOM_REDIS_URL`) for its ledger's length, within a second; undefined when none is set. */
async function probeFleet(env: NodeJS.ProcessEnv): Promise<FleetProbe | undefined> {
  if (!env.HEADROOM_REDIS_URL) return undefined;
  const { resolveFleetConfig } = await import('../../proxy/options.js');
  let config: ReturnType<typeof resolveFleetConfig>;
  try {
    config = resolveFleetConfig(undefined, env);
  } catch (error) {
    return { url: 'HEADROOM_REDIS_URL', ok: false, reason: (error as Error).message };
  }
  if (config === undefined) return undefined;
  const { connectFleetRedis } = await import('../../fleet/redis-connection.js');
  const { ledgerKey } = await import('../../fleet/ledger-stream.js');
  const redis = connectFleetRedis(config, 'doctor', { timeoutMs: 1_000 });
  const url = redis.state().url;
  try {
    const ledgerEntries = await redis.use((client) => client.xlen(ledgerKey(config.prefix)));
    return { url, ok: true, ledgerEntries };
  } catch {
    return { url, ok: false, reason: redis.state().reason ?? 'no answer' };
  } finally {
    await redis.close();
  }
}

/** What Claude Code's and Codex's configurations hold for the MCP server; an agent not installed is left out. */
async function mcpInstalls(env: NodeJS.ProcessEnv): Promise<McpInstall[]> {
  const { MCP_AGENTS, mcpStatus, sameEntry, wantedEntry } = await import('../../mcp/install.js');
  const wanted = await wantedEntry(env);
  return Promise.all(
    MCP_AGENTS.map(async (agent) => {
      const { entry } = await mcpStatus(agent, env).catch(() => ({ entry: undefined }));
      const current = entry !== undefined && sameEntry(entry, wanted);
      return { agent, label: AGENTS[agent].label, entry, current };
    }),
  );
}

function print(results: readonly CheckResult[], logger: Logger): void {
  const { color } = logger;
  const mark = { pass: color.green('✓ pass'), warn: color.yellow('! warn'), fail: color.red('✗ fail') };
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    const fix = r.fix === undefined ? '' : color.dim(` — fix: ${r.fix}`);
    logger.out(`${mark[r.status]}  ${r.name.padEnd(width)}  ${r.message}${fix}`);
    for (const line of r.details ?? []) logger.out(`        ${' '.repeat(width)}  ${color.dim(line)}`);
  }
  const fails = results.filter((r) => r.status === 'fail').length;
  const warns = results.filter((r) => r.status === 'warn').length;
  const warnings = countOf(warns, 'warning');
  logger.out(fails > 0 ? color.red(`${fails} failed, ${warnings}`) : `all good (${warnings})`);
}

async function doctor(flags: DoctorFlags, ctx: CliContext): Promise<number> {
  const json = flags.json === true;
  const logger = createLogger({ env: ctx.env, streams: ctx.streams, json });
  const results = await runChecks(ctx.env);
  const ok = results.every((r) => r.status !== 'fail');
  if (json) logger.printJson({ ok, checks: results });
  else print(results, logger);
  return ok ? 0 : 1;
}
