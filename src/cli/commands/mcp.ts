import type { Command } from 'commander';
import { stateDir } from '../../state-dir.js';
import type { FileStore } from '../../store/file-store.js';
import { AGENTS } from '../agents.js';
import type { CliContext, SetExitCode } from '../context.js';
import { createLogger } from '../logger.js';
import { parseChoice } from '../options.js';

interface ChangeFlags {
  readonly dryRun?: boolean;
}

export function registerMcp(program: Command, ctx: CliContext, setExit: SetExitCode): void {
  const mcp = program
    .command('mcp')
    .description('MCP server (stdio) with headroom_compress, headroom_retrieve and headroom_stats')
    .addHelpText(
      'after',
      `
The server shares the state directory with the proxy, so a marker written by \`wrap\` or \`proxy\` can be
redeemed with headroom_retrieve.

Examples:
  $ headroom mcp install claude          register it in Claude Code (claude mcp add-json --scope user)
  $ headroom mcp install codex --dry-run show what would go into Codex's config.toml
  $ headroom mcp uninstall codex`,
    );
  // `serve` is the default, so the agents can start `headroom mcp`; a mistyped verb (`mcp instal claude`)
  // must still be an unknown command with commander's "did you mean", not arguments `serve` refuses.
  mcp.hook('preSubcommand', (parent, sub) => {
    const [first] = parent.args;
    if (sub.name() === 'serve' && first !== undefined && first !== 'serve' && !first.startsWith('-')) {
      (parent as unknown as { unknownCommand(): never }).unknownCommand();
    }
  });
  mcp
    .command('serve', { isDefault: true })
    .description('serve MCP over stdin/stdout (what the agents start; the default)')
    .action(async () => {
      const { createMcpServer, serveStdio } = await import('../../mcp/server.js');
      // stdout carries the protocol; nothing else may be written to it. Errors go to stderr, which the
      // agents keep in their MCP logs.
      const logger = createLogger({ env: ctx.env, streams: ctx.streams });
      const dir = stateDir(ctx.env);
      // In a fleet (HEADROOM_REDIS_URL), a marker made by any of its proxies is redeemable here.
      const fleet = await fleetStore(dir, ctx.env);
      try {
        await serveStdio(createMcpServer(dir, fleet?.store.read), ctx.stdin, ctx.streams.stdout, (error) =>
          logger.error(`mcp: ${error.message}`),
        );
      } finally {
        await fleet?.close();
      }
      setExit(0);
    });
  for (const verb of ['install', 'uninstall'] as const) {
    mcp
      .command(`${verb} <agent>`)
      .description(
        verb === 'install'
          ? 'register the server in claude or codex (idempotent; nothing else in their config changes)'
          : 'remove the server from claude or codex',
      )
      .option('--dry-run', 'print what would change and change nothing')
      .action(async (agent: string, flags: ChangeFlags) => {
        setExit(await change(verb, agent, flags, ctx));
      });
  }
}

async function change(
  verb: 'install' | 'uninstall',
  agentArg: string,
  flags: ChangeFlags,
  ctx: CliContext,
): Promise<number> {
  const { MCP_AGENTS, applyChange, planInstall, planUninstall } = await import('../../mcp/install.js');
  const agent = parseChoice(agentArg, MCP_AGENTS, 'agent');
  const logger = createLogger({ env: ctx.env, streams: ctx.streams });
  const label = AGENTS[agent].label;
  const plan = verb === 'install' ? await planInstall(agent, ctx.env) : await planUninstall(agent, ctx.env);
  if (plan.action === 'none') {
    logger.out(
      verb === 'install'
        ? `headroom MCP server already installed in ${label} (${plan.configPath}); nothing changed.`
        : `headroom MCP server is not installed in ${label} (${plan.configPath}); nothing changed.`,
    );
    return 0;
  }
  const what = { add: 'add', update: 'replace', remove: 'remove' }[plan.action];
  if (flags.dryRun === true) {
    logger.out(`Would ${what} the headroom MCP server in ${label}'s ${plan.configPath}:`);
    if (plan.preview !== '') logger.out(plan.preview);
    logger.out('by running:');
    for (const argv of plan.commands) logger.out(`  ${argv.map(shellQuote).join(' ')}`);
    return 0;
  }
  await applyChange(plan, ctx.env);
  const done = { add: 'Installed', update: 'Updated', remove: 'Removed' }[plan.action];
  logger.out(`${done} the headroom MCP server in ${label} (${plan.configPath}).`);
  if (verb === 'install') {
    logger.out(
      agent === 'claude'
        ? 'Its tools appear as mcp__headroom__headroom_compress, _retrieve and _stats in new sessions.'
        : 'Its tools appear in new Codex sessions.',
    );
  }
  return 0;
}

/** Quotes an argument for display so the printed command can be pasted into a POSIX shell. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The state directory's store backed by the fleet's Redis, when `HEADROOM_REDIS_URL` names one. */
async function fleetStore(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ store: FileStore; close: () => Promise<void> } | undefined> {
  const { resolveFleetConfig } = await import('../../proxy/options.js');
  const config = resolveFleetConfig(undefined, env);
  if (config === undefined) return undefined;
  const { createFileStore, DEFAULT_STORE_TTL_MS } = await import('../../store/file-store.js');
  const { connectFleetRedis } = await import('../../fleet/redis-connection.js');
  const { withFleetCopy } = await import('../../fleet/mirror-store.js');
  const redis = connectFleetRedis(config, 'mcp');
  return {
    store: withFleetCopy(createFileStore({ stateDir: dir }), redis, DEFAULT_STORE_TTL_MS),
    close: () => redis.close(),
  };
}
