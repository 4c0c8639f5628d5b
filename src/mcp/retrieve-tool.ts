import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { formatInt } from '../cli/format.js';
import { RETRIEVE_TOOL } from '../compress/resolve-options.js';
import { HeadroomError } from '../errors.js';
import {
  continuation,
  describePage,
  type HashRef,
  linesOf,
  type Page,
  type Position,
  parseHashRef,
  positionOf,
  takePage,
} from '../sdk/retrieval-page.js';
import { ccrDir, DEFAULT_STORE_TTL_MS, readOriginal } from '../store/file-store.js';
import { guarded, textResult } from './tool-result.js';

const DESCRIPTION =
  'Get back text headroom omitted: pass the hash from a `[headroom: … hash=…]` marker. Returns the ' +
  'original byte for byte; startLine/endLine pick lines, search returns the lines containing a term.';

/**
 * Most characters of an answer. Claude Code 2.1.197 saves an MCP result over 25,000 tokens to a file and
 * sends the model a preview instead, so longer originals come in pages of whole lines (a longer line is cut).
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

function byRange(original: string, ref: HashRef, args: RetrieveArgs): CallToolResult {
  const lines = linesOf(original);
  const total = lines.length;
  let from: Position = { line: (args.startLine ?? 1) - 1, char: 0 };
  if (ref.at !== undefined) {
    if (args.startLine !== undefined) {
      throw invalid(
        'Give startLine or a position after the hash (`@line:character`), not both.',
        'Drop startLine: the position says where the rest starts.',
      );
    }
    const position = positionOf(lines, ref.at);
    if (typeof position === 'string')
      throw invalid(`hash=${ref.hash}@${ref.at.line}:${ref.at.char}: ${position}.`);
    from = position;
  } else if (from.line >= total) {
    throw invalid(
      `startLine ${from.line + 1} is past the end: hash=${ref.hash} has ${formatInt(total)} lines.`,
    );
  }
  const last = Math.min(args.endLine ?? total, total);
  if (last <= from.line) throw invalid(`endLine ${args.endLine} is before startLine ${from.line + 1}.`);
  const page = takePage(lines, from, last, RETRIEVE_MAX_CHARS);
  const end = page.to.line;
  if (from.line === 0 && from.char === 0 && end === total) return textResult(page.text);
  const rest = continuation(ref.hash, page);
  const more =
    rest !== undefined
      ? `; the rest with ${rest}${args.endLine === undefined ? '' : ` and endLine=${args.endLine}`}`
      : end < last
        ? `; the rest with startLine=${end + 1}`
        : end < total
          ? ''
          : ' (the end of the original)';
  return textResult(page.text, `[headroom: ${describePage(lines, page)}${more}]`);
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
  let cut: Page | undefined;
  for (const i of hits) {
    const line = lines[i]!.endsWith('\n') ? lines[i]! : `${lines[i]}\n`;
    if (chars + line.length > RETRIEVE_MAX_CHARS) {
      // A first hit longer than the page is shown cut (the newline after it is the page's last character).
      if (shown.length === 0) {
        cut = takePage(lines, { line: i, char: 0 }, i + 1, RETRIEVE_MAX_CHARS - 1);
        shown.push(`${cut.text}\n`);
      }
      break;
    }
    shown.push(line);
    chars += line.length;
  }
  const numbers = hits.slice(0, shown.length).map((i) => i + 1);
  const part =
    cut === undefined ? '' : ` (${describePage(lines, cut)}; the rest with ${continuation(hash, cut)})`;
  const narrow = shown.length < hits.length ? `; the first ${shown.length} shown, narrow the search` : '';
  return textResult(
    shown.join(''),
    `[headroom: ${formatInt(hits.length)} of ${formatInt(lines.length)} lines contain "${term}": ` +
      `${numbers.length === 1 ? 'line' : 'lines'} ${numbers.join(', ')}${part}${narrow}]`,
  );
}

/** Reads an original by hash: the state directory's store, or in a fleet that store backed by Redis. */
export type ReadOriginal = (hash: string) => Promise<string | undefined>;

/** Answers one call: the original, a page of its lines, or its lines containing a term. */
export async function retrieve(
  args: RetrieveArgs,
  stateDir: string,
  read: ReadOriginal = (hash) => readOriginal(hash, stateDir),
): Promise<CallToolResult> {
  const ref = parseHashRef(args.hash);
  if (ref === undefined) {
    throw invalid(
      `\`${args.hash}\` is not a headroom hash.`,
      'Pass the hex value after `hash=` in a `[headroom: …]` marker.',
    );
  }
  if (args.search !== undefined && (args.startLine !== undefined || args.endLine !== undefined || ref.at)) {
    throw invalid('Give a line range or a search term, not both.');
  }
  const { hash } = ref;
  const original = await read(hash);
  if (original === undefined) {
    const days = DEFAULT_STORE_TTL_MS / 86_400_000;
    throw new HeadroomError(
      'NOT_FOUND',
      `Nothing is stored for hash=${hash} in ${ccrDir(stateDir)}: it was never compressed on this machine, or it expired (originals are kept ${days} days after last use).`,
      { fix: 'Continue without it, or run the command that produced it again.' },
    );
  }
  return args.search === undefined ? byRange(original, ref, args) : bySearch(original, hash, args.search);
}

export function registerRetrieveTool(server: McpServer, stateDir: string, read?: ReadOriginal): void {
  server.registerTool(
    RETRIEVE_TOOL,
    { description: DESCRIPTION, inputSchema, annotations: { readOnlyHint: true } },
    (args) => guarded(() => retrieve(args, stateDir, read)),
  );
}
