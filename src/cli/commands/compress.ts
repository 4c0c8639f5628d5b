import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SavingsProfile } from '../../compress/options.js';
import { stateDir } from '../../state-dir.js';
import {
  bodyModel,
  type CompressInput,
  classifyInput,
  compressInput,
  compressReport,
  DEFAULT_COUNT_MODEL,
  uncountedPassthrough,
  uncountedReport,
} from '../compress-input.js';
import type { CliContext, SetExitCode } from '../context.js';
import { atPath } from '../failure.js';
import { createLogger } from '../logger.js';
import { parseChoice, parsePositiveInt } from '../options.js';

interface CompressFlags {
  readonly query?: string;
  readonly model?: string;
  readonly profile: string;
  readonly minTokens?: string;
  readonly json?: boolean;
}

export function registerCompress(program: Command, ctx: CliContext, setExit: SetExitCode): void {
  program
    .command('compress')
    .description('compress a tool output or a messages file offline and show what headroom keeps')
    .argument('[file]', 'input file (default: standard input)')
    .option(
      '--query <text>',
      'the question the output is meant to answer (protects the lines and items it names)',
    )
    .option(
      '--model <model>',
      `model to count tokens for (default: the request body's own \`model\`, else ${DEFAULT_COUNT_MODEL})`,
    )
    .option('--profile <profile>', 'savings profile: default | agent-90', 'default')
    .option('--min-tokens <n>', 'blocks under this many tokens pass through (default 250)')
    .option('-j, --json', 'print a JSON result on stdout')
    .addHelpText(
      'after',
      `
Input is either a raw tool output (a log, JSON, grep results, a diff, a file) or a messages JSON file:
an OpenAI/Anthropic messages array, Responses input items, or a request body with \`messages\`/\`input\`.
The compressed result goes to stdout and a one-line savings report to stderr.

Examples:
  $ npm test 2>&1 | headroom compress --query "which test fails?"
  $ headroom compress api-dump.json --query "status of order 4512"
  $ headroom compress request.json --json | jq .tokensSaved`,
    )
    .action(async (file: string | undefined, flags: CompressFlags) => {
      setExit(await runCompress(file, flags, ctx));
    });
}

/** The input's bytes: an output that passes through is written back as these, not as decoded text. */
async function readInput(file: string | undefined, ctx: CliContext): Promise<Buffer> {
  if (file !== undefined && file !== '-') return atPath(file, readFile(file));
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * An output headroom left as it was goes back byte for byte: decoding and re-encoding would turn a binary
 * file's or a log's invalid UTF-8 into U+FFFD, and a missing final newline is not ours to add, except on a
 * terminal, where the report on stderr would otherwise continue its last line.
 */
function writeUnchanged(bytes: Buffer, ctx: CliContext): void {
  ctx.streams.stdout.write(bytes);
  if (ctx.streams.stdout.isTTY === true && bytes.length > 0 && bytes.at(-1) !== 0x0a) {
    ctx.streams.stdout.write('\n');
  }
}

/**
 * The model whose tokenizer counts: `--model` when given, else the one a request body names (a gpt-4o body
 * counted as Claude would misstate its savings), else the default; and, for a messages file, where it came
 * from, for the report.
 */
function countModel(input: CompressInput, given: string | undefined): { model: string; note: string } {
  const named = bodyModel(input);
  const model = given ?? named ?? DEFAULT_COUNT_MODEL;
  if (input.kind === 'raw') return { model, note: '' };
  const from = given !== undefined ? '--model' : named !== undefined ? "the body's model" : 'the default';
  return { model, note: ` · counted as ${model} (${from})` };
}

async function runCompress(file: string | undefined, flags: CompressFlags, ctx: CliContext): Promise<number> {
  const json = flags.json === true;
  const logger = createLogger({ env: ctx.env, streams: ctx.streams, json });
  const profile: SavingsProfile = parseChoice(flags.profile, ['default', 'agent-90'] as const, '--profile');
  const minTokens =
    flags.minTokens === undefined ? undefined : parsePositiveInt(flags.minTokens, '--min-tokens');
  if (file === undefined && ctx.stdin.isTTY === true) {
    logger.error('no input: give a file, or pipe a tool output in (`npm test 2>&1 | headroom compress`).');
    return 2;
  }
  const bytes = await readInput(file, ctx);
  const text = bytes.toString('utf8');
  const classified = classifyInput(text);
  const input = classified.kind === 'raw' ? { ...classified, bytes } : classified;
  if (flags.query !== undefined && input.kind !== 'raw') {
    logger.warn('--query is not used for a messages file: its last user message is the question.');
  }
  const { model, note } = countModel(input, flags.model);
  const settings = { model, profile, ...(minTokens === undefined ? {} : { minTokens }) };
  // --json states exact counts, so only the one-line report may skip the tokenizer for a tiny output.
  const passthrough = json ? undefined : uncountedPassthrough(input, settings);
  if (passthrough !== undefined) {
    writeUnchanged(bytes, ctx);
    ctx.streams.stderr.write(`${uncountedReport(passthrough)}\n`);
    return 0;
  }
  const result = await compressInput(input, {
    ...settings,
    query: flags.query,
    stateDir: stateDir(ctx.env),
  });
  const { output, tokensBefore, tokensAfter, tokensSaved, ratio, transformsApplied } = result;
  if (json) {
    logger.printJson({
      input: input.kind === 'raw' ? 'tool-output' : 'messages',
      model,
      tokensBefore,
      tokensAfter,
      tokensSaved,
      compressionRatio: ratio,
      transformsApplied: transformsApplied,
      output,
    });
    return 0;
  }
  if (output === text) writeUnchanged(bytes, ctx);
  else if (typeof output === 'string') logger.data(output.endsWith('\n') ? output : `${output}\n`);
  else logger.data(`${JSON.stringify(output, null, 2)}\n`);
  ctx.streams.stderr.write(`${compressReport(result)}${note}\n`);
  return 0;
}
