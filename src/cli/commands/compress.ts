import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SavingsProfile } from '../../compress/options.js';
import { stateDir } from '../../state-dir.js';
import type { CliContext, SetExitCode } from '../context.js';
import { atPath } from '../failure.js';
import { formatInt, formatPercent } from '../format.js';
import { createLogger } from '../logger.js';
import { parseChoice, parsePositiveInt } from '../options.js';

interface CompressFlags {
  readonly query?: string;
  readonly model: string;
  readonly profile: string;
  readonly minTokens?: string;
  readonly json?: boolean;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isMessage(value: unknown): boolean {
  if (!isRecord(value)) return false;
  if (typeof value.role === 'string') return ROLES.has(value.role);
  const type = value.type;
  return (
    typeof type === 'string' &&
    (type === 'message' ||
      type === 'reasoning' ||
      type === 'item_reference' ||
      /_call(?:_output)?$/.test(type))
  );
}

/** What the input was, so the output can take the same form. */
export type CompressInput =
  | { readonly kind: 'raw'; readonly text: string }
  | { readonly kind: 'messages'; readonly messages: unknown[] }
  | {
      readonly kind: 'wrapped';
      readonly container: Json;
      readonly field: 'messages' | 'input';
      readonly messages: unknown[];
    };

/**
 * A messages file is an array of chat messages or Responses items, or a request body holding one under
 * `messages` or `input`. Anything else, JSON included (an API dump is a tool output), is raw tool output.
 */
export function classifyInput(text: string): CompressInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'raw', text };
  }
  if (Array.isArray(parsed) && parsed.length > 0 && parsed.every(isMessage))
    return { kind: 'messages', messages: parsed };
  if (isRecord(parsed)) {
    for (const field of ['messages', 'input'] as const) {
      const list = parsed[field];
      if (Array.isArray(list) && list.length > 0 && list.every(isMessage)) {
        return { kind: 'wrapped', container: parsed, field, messages: list };
      }
    }
  }
  return { kind: 'raw', text };
}

/** A raw tool output becomes one tool call and its result, after the user's question when there is one. */
export function rawConversation(text: string, query: string | undefined): unknown[] {
  return [
    { role: 'user', content: query ?? 'Here is the output of a tool call.' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_headroom_cli', type: 'function', function: { name: 'tool', arguments: '{}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_headroom_cli', content: text },
  ];
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
    .option('--model <model>', 'model to count tokens for', 'claude-sonnet-4-6')
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

async function readInput(file: string | undefined, ctx: CliContext): Promise<string> {
  if (file !== undefined && file !== '-') return atPath(file, readFile(file, 'utf8'));
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
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
  const text = await readInput(file, ctx);
  const input = classifyInput(text);
  const messages = input.kind === 'raw' ? rawConversation(input.text, flags.query) : input.messages;
  const { compressMessages } = await import('../../compress/compress.js');
  const { createFileStore } = await import('../../store/file-store.js');
  // Originals go where the proxy keeps them, so every marker printed here can be redeemed later.
  const store = createFileStore({ stateDir: stateDir(ctx.env) });
  const { originals, ...result } = await compressMessages(messages, {
    model: flags.model,
    savingsProfile: profile,
    retrievalHint: store.retrievalHint,
    ...(minTokens === undefined ? {} : { minTokensToCompress: minTokens }),
  });
  await store.putAll(originals);

  let output: unknown;
  if (input.kind === 'raw') {
    const last = result.messages[result.messages.length - 1];
    output = isRecord(last) && typeof last.content === 'string' ? last.content : input.text;
  } else if (input.kind === 'wrapped') {
    output = { ...input.container, [input.field]: result.messages };
  } else {
    output = result.messages;
  }

  // For a raw output, count the output itself, not the wrapper conversation built around it.
  const block = input.kind === 'raw' ? result.blocks.find((b) => b.messageIndex === 2) : undefined;
  const tokensBefore = block?.tokensBefore ?? result.tokensBefore;
  const tokensAfter = block?.tokensAfter ?? result.tokensAfter;
  const tokensSaved = tokensBefore - tokensAfter;
  const ratio = tokensBefore > 0 ? tokensSaved / tokensBefore : 0;
  const report =
    `headroom: ${formatInt(tokensBefore)} → ${formatInt(tokensAfter)} tokens ` +
    `(saved ${formatInt(tokensSaved)}, ${formatPercent(ratio * 100)})` +
    (result.transformsApplied.length > 0
      ? ` · ${result.transformsApplied.join(', ')}`
      : ' · nothing to compress');
  if (json) {
    logger.printJson({
      input: input.kind === 'raw' ? 'tool-output' : 'messages',
      model: flags.model,
      tokensBefore,
      tokensAfter,
      tokensSaved,
      compressionRatio: ratio,
      transformsApplied: result.transformsApplied,
      output,
    });
    return 0;
  }
  if (typeof output === 'string') logger.data(output.endsWith('\n') ? output : `${output}\n`);
  else logger.data(`${JSON.stringify(output, null, 2)}\n`);
  ctx.streams.stderr.write(`${report}\n`);
  return 0;
}
