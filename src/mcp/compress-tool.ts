import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  type CompressedInput,
  type CompressInput,
  compressInput,
  compressReport,
  DEFAULT_COUNT_MODEL,
} from '../cli/compress-input.js';
import { formatInt } from '../cli/format.js';
import type { SavingsProfile } from '../compress/options.js';
import { RETRIEVE_TOOL } from '../compress/resolve-options.js';
import { HeadroomError } from '../errors.js';
import { guarded, textResult } from './tool-result.js';

const COMPRESS_TOOL_NAME = 'headroom_compress';

const DESCRIPTION =
  'Shrink a large tool output (text) or a chat messages array before reading it. Kept lines stay ' +
  `verbatim; omitted ones are marked and retrievable with ${RETRIEVE_TOOL}. question protects what it ` +
  'names; budget is a target in tokens.';

const inputSchema = {
  text: z.string().optional(),
  messages: z.array(z.record(z.string(), z.unknown())).optional(),
  question: z.string().optional(),
  budget: z.number().int().min(1).optional(),
};

interface CompressArgs {
  readonly text?: string | undefined;
  readonly messages?: Record<string, unknown>[] | undefined;
  readonly question?: string | undefined;
  readonly budget?: number | undefined;
}

/** Profiles tried in turn while the result is over the budget: the default, then the harder one. */
const PROFILES: readonly SavingsProfile[] = ['default', 'agent-90'];

function inputOf(args: CompressArgs): CompressInput {
  const given = (args.text === undefined ? 0 : 1) + (args.messages === undefined ? 0 : 1);
  if (given !== 1) {
    throw new HeadroomError('INVALID_INPUT', 'Give exactly one of `text` or `messages`.');
  }
  if (args.text !== undefined) return { kind: 'raw', text: args.text };
  if (args.messages!.length === 0) throw new HeadroomError('INVALID_INPUT', '`messages` is empty.');
  return { kind: 'messages', messages: args.messages! };
}

/** Compresses a text or messages; with a budget, compresses harder while the result is over it. */
export async function compress(args: CompressArgs, stateDir: string): Promise<CallToolResult> {
  const input = inputOf(args);
  let result: CompressedInput | undefined;
  for (const profile of PROFILES) {
    result = await compressInput(input, {
      query: args.question,
      model: DEFAULT_COUNT_MODEL,
      profile,
      stateDir,
    });
    if (args.budget === undefined || result.tokensAfter <= args.budget) break;
  }
  const done = result!;
  const output = typeof done.output === 'string' ? done.output : JSON.stringify(done.output);
  const over =
    args.budget !== undefined && done.tokensAfter > args.budget
      ? ` · over the budget of ${formatInt(args.budget)}: the smallest headroom makes it without cutting blindly`
      : '';
  return textResult(output, `[${compressReport(done)}${over}]`);
}

export function registerCompressTool(server: McpServer, stateDir: string): void {
  server.registerTool(COMPRESS_TOOL_NAME, { description: DESCRIPTION, inputSchema }, (args) =>
    guarded(() => compress(args, stateDir)),
  );
}
