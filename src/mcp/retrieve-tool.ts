import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { formatInt } from '../cli/format.js';
import { RETRIEVE_TOOL } from '../compress/resolve-options.js';
import { HeadroomError } from '../errors.js';
import { normalizeHash } from '../sdk/retrieval-tool.js';
import { ccrDir, DEFAULT_STORE_TTL_MS, readOriginal } from '../store/file-store.js';
import { guarded, textResult } from './tool-result.js';

const DESCRIPTION =
  'Get back text headroom omitted: pass the hash from a `[headroom: … hash=…]` marker. Returns the ' +
  'original byte for byte; startLine/endLine pick lines, search returns the lines containing a term.';

/**
 * Most characters of an answer. Claude Code 2.1.197 saves an MCP result over 25,000 tokens to a file and
 * sends the model a preview instead, so longer originals come in pages of whole lines.
 */
export const RETRIEVE_MAX_CHARS = 50_000;

const inputSchema = {
  hash: z.string(),
  startLine: z.number().int().min(1).optional(),
  endLine: z.number().int().min(1).optional(),
  search: z.string().min(1).optional(),
};

interface RetrieveArgs {
  readonly hash: string;
  readonly startLine?: number | undefined;
  readonly endLine?: number | undefined;
  readonly search?: string | undefined;
}

function invalid(message: string, fix?: string): HeadroomError {
  return new HeadroomError('INVALID_INPUT', message, fix === undefined ? {} : { fix });
}

/** Lines with their terminators kept, so joining any run of them gives the original bytes. */
function linesOf(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/** Whole lines from `from` (0-based) while they fit the page; always at least one. */
function page(lines: readonly string[], from: number, to: number): number {
  let chars = 0;
  let end = from;
  while (end < to) {
    const next = lines[end]!.length;
    if (end > from && chars + next > RETRIEVE_MAX_CHARS) break;
    chars += next;
    end += 1;
  }
  return end;
}

function byRange(original: string, hash: string, args: RetrieveArgs): CallToolResult {
  const lines = linesOf(original);
  const total = lines.length;
  const start = args.startLine ?? 1;
  if (start > total) {
    throw invalid(`startLine ${start} is past the end: hash=${hash} has ${formatInt(total)} lines.`);
  }
  const last = Math.min(args.endLine ?? total, total);
  if (last < start) throw invalid(`endLine ${args.endLine} is before startLine ${start}.`);
  const end = page(lines, start - 1, last);
  const text = lines.slice(start - 1, end).join('');
  if (start === 1 && end === total) return textResult(text);
  const more =
    end < last ? `; the rest with startLine=${end + 1}` : end < total ? '' : ' (the end of the original)';
  return textResult(text, `[headroom: lines ${start}–${end} of ${formatInt(total)}${more}]`);
}

function bySearch(original: string, hash: string, term: string): CallToolResult {
  const lines = linesOf(original);
  const needle = term.toLowerCase();
  const hits: number[] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i]!.toLowerCase().includes(needle)) hits.push(i);
  if (hits.length === 0) {
    return textResult(`[headroom: no line of hash=${hash} contains "${term}" (${lines.length} lines)]`);
  }
  const shown: string[] = [];
  let chars = 0;
  for (const i of hits) {
    const line = lines[i]!;
    if (shown.length > 0 && chars + line.length > RETRIEVE_MAX_CHARS) break;
    shown.push(line.endsWith('\n') ? line : `${line}\n`);
    chars += line.length;
  }
  const numbers = hits.slice(0, shown.length).map((i) => i + 1);
  const cut = shown.length < hits.length ? `; the first ${shown.length} shown, narrow the search` : '';
  return textResult(
    shown.join(''),
    `[headroom: ${formatInt(hits.length)} of ${formatInt(lines.length)} lines contain "${term}": ` +
      `${numbers.length === 1 ? 'line' : 'lines'} ${numbers.join(', ')}${cut}]`,
  );
}

/** Answers one call: the original, a page of its lines, or its lines containing a term. */
export async function retrieve(args: RetrieveArgs, stateDir: string): Promise<CallToolResult> {
  const hash = normalizeHash(args.hash);
  if (hash === undefined) {
    throw invalid(
      `\`${args.hash}\` is not a headroom hash.`,
      'Pass the hex value after `hash=` in a `[headroom: …]` marker.',
    );
  }
  if (args.search !== undefined && (args.startLine !== undefined || args.endLine !== undefined)) {
    throw invalid('Give a line range or a search term, not both.');
  }
  const original = await readOriginal(hash, stateDir);
  if (original === undefined) {
    const days = DEFAULT_STORE_TTL_MS / 86_400_000;
    throw new HeadroomError(
      'NOT_FOUND',
      `Nothing is stored for hash=${hash} in ${ccrDir(stateDir)}: it was never compressed on this machine, or it expired (originals are kept ${days} days after last use).`,
      { fix: 'Continue without it, or run the command that produced it again.' },
    );
  }
  return args.search === undefined ? byRange(original, hash, args) : bySearch(original, hash, args.search);
}

export function registerRetrieveTool(server: McpServer, stateDir: string): void {
  server.registerTool(
    RETRIEVE_TOOL,
    { description: DESCRIPTION, inputSchema, annotations: { readOnlyHint: true } },
    (args) => guarded(() => retrieve(args, stateDir)),
  );
}
