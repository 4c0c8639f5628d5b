import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { HeadroomError } from '../errors.js';
import { registerCompress } from './commands/compress.js';
import { registerDoctor } from './commands/doctor.js';
import { registerMcp } from './commands/mcp.js';
import { registerProxy } from './commands/proxy.js';
import { registerStats } from './commands/stats.js';
import { registerWrap } from './commands/wrap.js';
import { type CliContext, processContext } from './context.js';
import { describeFailure } from './failure.js';
import { createLogger } from './logger.js';

/** package.json sits two levels up from both src/cli and dist/cli. */
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

export function createProgram(ctx: CliContext, setExit: (code: number) => void): Command {
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
  $ headroom doctor                      check the set-up`,
    );
  registerWrap(program, ctx, setExit);
  registerProxy(program, ctx, setExit);
  registerStats(program, ctx, setExit);
  registerDoctor(program, ctx, setExit);
  registerCompress(program, ctx, setExit);
  registerMcp(program, ctx, setExit);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI on argv (without `node` and the script) and returns the exit code. */
export async function run(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  let exitCode = 0;
  const program = createProgram(ctx, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    // Commander has already printed its own one-line message (or the help, or the version).
    if (error instanceof CommanderError) return USAGE_ERRORS.has(error.code) ? 2 : error.exitCode;
    createLogger({ env: ctx.env, streams: ctx.streams }).error(describeFailure(error, ctx.env));
    return error instanceof HeadroomError ? (EXIT_CODES[error.code] ?? 1) : 1;
  }
}
