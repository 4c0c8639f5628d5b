import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { HeadroomError } from '../errors.js';
import { type CliContext, processContext, type SetExitCode } from './context.js';

/** package.json sits two levels up from src/cli, dist/cli and the CLI's bundle in dist/bundle. */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** Exit codes for errors the user can fix; anything unexpected is 1. */
const EXIT_CODES: Partial<Record<HeadroomError['code'], number>> = {
  INVALID_OPTION: 2,
  AGENT_NOT_FOUND: 127,
};

/** Commander's codes for a command line it could not parse: usage errors, exit 2 like INVALID_OPTION. */
const USAGE_ERRORS = new Set([
  'commander.unknownOption',
  'commander.unknownCommand',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.conflictingOption',
  'commander.invalidArgument',
  'commander.excessArguments',
]);

type Register = (program: Command, ctx: CliContext, setExit: SetExitCode) => void;

/**
 * Each command's module, loaded only when it is needed: `wrap` must start the agent at once and
 * `compress` answer at node's own pace, so neither pays for the others' dependencies. Listed in the
 * order `--help` shows them.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  wrap: async () => (await import('./commands/wrap.js')).registerWrap,
  proxy: async () => (await import('./commands/proxy.js')).registerProxy,
  stats: async () => (await import('./commands/stats.js')).registerStats,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  compress: async () => (await import('./commands/compress.js')).registerCompress,
  dashboard: async () => (await import('./commands/dashboard.js')).registerDashboard,
  mcp: async () => (await import('./commands/mcp.js')).registerMcp,
};

/**
 * The commands a command line needs: the one it names, none for `--version`, and all of them for
 * help, a typo (to suggest the nearest) or nothing at all. The top level has no option taking a value,
 * so the first word that is not an option is the command.
 */
function commandsFor(argv: readonly string[]): string[] {
  const first = argv.find((arg) => !arg.startsWith('-'));
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (first === undefined && argv.length > 0 && argv.every((arg) => arg === '-v' || arg === '--version'))
    return [];
  return Object.keys(COMMANDS);
}

export async function createProgram(
  ctx: CliContext,
  setExit: SetExitCode,
  argv?: readonly string[],
): Promise<Command> {
  const program = new Command('headroom')
    .description(
      'Context compression for AI coding agents: fewer input tokens, nothing the model needs lost.',
    )
    .version(packageVersion(), '-v, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.streams.stdout.write(text),
      writeErr: (text) => ctx.streams.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ headroom wrap claude                 run Claude Code through headroom
  $ headroom wrap codex exec "fix it"    the same for Codex
  $ headroom stats                       what it saved, by day
  $ headroom dashboard                   the same, live, in a browser page
  $ headroom doctor                      check the set-up`,
    );
  const names = argv === undefined ? Object.keys(COMMANDS) : commandsFor(argv);
  const registers = await Promise.all(names.map((name) => COMMANDS[name]?.()));
  for (const register of registers) register?.(program, ctx, setExit);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI on argv (without `node` and the script) and returns the exit code. */
export async function run(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  let exitCode = 0;
  try {
    const program = await createProgram(
      ctx,
      (code) => {
        exitCode = code;
      },
      argv,
    );
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    // Commander has already printed its own one-line message (or the help, or the version).
    if (error instanceof CommanderError) return USAGE_ERRORS.has(error.code) ? 2 : error.exitCode;
    // Loaded only on failure: `--version` needs neither the logger nor the failure descriptions.
    const [{ createLogger }, { describeFailure }] = await Promise.all([
      import('./logger.js'),
      import('./failure.js'),
    ]);
    createLogger({ env: ctx.env, streams: ctx.streams }).error(describeFailure(error, ctx.env));
    return error instanceof HeadroomError ? (EXIT_CODES[error.code] ?? 1) : 1;
  }
}
