/**
 * The `headroom_retrieve` tool: one definition per API format and one answer function, shared by every
 * adapter. The definitions are constants so the tools array stays byte-identical from request to
 * request (a tool that changes between requests busts the provider's prompt cache).
 */

import { RETRIEVE_TOOL } from '../compress/resolve-options.js';
import {
  continuation,
  describePage,
  type HashRef,
  linesOf,
  type Position,
  parseHashRef,
  positionOf,
  takePage,
} from './retrieval-page.js';

const DESCRIPTION =
  'Get back what headroom omitted from a tool output: pass the hash from its `[headroom: … hash=…]` marker. ' +
  'Long originals come in parts; offset and limit pick lines (1-based).';

/** The input schema, typed so every SDK's schema type accepts it, and read-only: its bytes must never change. */
interface Parameters {
  readonly type: 'object';
  readonly properties: { readonly [name: string]: { readonly type: 'string' | 'integer' } };
  readonly required: string[];
  readonly additionalProperties: false;
}

const PARAMETERS: Parameters = {
  type: 'object',
  properties: { hash: { type: 'string' }, offset: { type: 'integer' }, limit: { type: 'integer' } },
  required: ['hash'],
  additionalProperties: false,
};

/** For Anthropic's `tools` array. */
export const ANTHROPIC_RETRIEVE_TOOL = {
  name: RETRIEVE_TOOL,
  description: DESCRIPTION,
  input_schema: PARAMETERS,
} as const;

/** For OpenAI chat completions' `tools` array. */
export const OPENAI_CHAT_RETRIEVE_TOOL = {
  type: 'function',
  function: { name: RETRIEVE_TOOL, description: DESCRIPTION, parameters: PARAMETERS },
} as const;

/** For the Responses API's `tools` array; `strict: false` because `offset` and `limit` are optional. */
export const RESPONSES_RETRIEVE_TOOL = {
  type: 'function',
  name: RETRIEVE_TOOL,
  description: DESCRIPTION,
  parameters: PARAMETERS,
  strict: false,
} as const;

/** For a Vercel AI SDK (LanguageModelV3) call's `tools` array. */
export const VERCEL_RETRIEVE_TOOL = {
  type: 'function',
  name: RETRIEVE_TOOL,
  description: DESCRIPTION,
  inputSchema: PARAMETERS,
} as const;

/** Anything that can give an original back by its hash: a wrapped client's store, a `SharedContext`, `{ retrieve }`. */
export interface RetrievalSource {
  retrieve(hash: string): string | undefined;
}

interface RetrieveInput {
  readonly ref: HashRef;
  readonly offset: number;
  readonly limit: number | undefined;
}

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Reads a call's input, given as an object (Anthropic, AI SDK) or a JSON string (OpenAI). */
function parseInput(input: unknown): RetrieveInput | undefined {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = (value as Record<string, unknown>).hash;
  const ref = typeof raw === 'string' ? parseHashRef(raw) : undefined;
  if (ref === undefined) return undefined;
  const o = value as Record<string, unknown>;
  return { ref, offset: positiveInt(o.offset) ?? 1, limit: positiveInt(o.limit) };
}

/**
 * Lines of `text` from `offset` (or from the position in the hash, which wins), as many as `limit` and
 * `maxChars` allow, with the line terminators kept and a note saying which part it is and how to get more.
 */
function slice(text: string, input: RetrieveInput, maxChars: number): string {
  const lines = linesOf(text);
  const { hash, at } = input.ref;
  let from: Position = { line: Math.min(input.offset, lines.length + 1) - 1, char: 0 };
  if (at !== undefined) {
    const position = positionOf(lines, at);
    if (typeof position === 'string') return `[headroom: ${position}; nothing was retrieved]`;
    from = position;
  }
  const page = takePage(lines, from, lines.length, maxChars, input.limit);
  if (from.line === 0 && from.char === 0 && page.to.line === lines.length) return page.text;
  const sep = page.text.endsWith('\n') || page.text.length === 0 ? '' : '\n';
  const range =
    page.text.length === 0
      ? `no lines from line ${from.line + 1} of ${lines.length}`
      : describePage(lines, page);
  const next =
    continuation(hash, page) ??
    (page.to.line < lines.length ? `hash=${hash} and offset=${page.to.line + 1}` : undefined);
  const more = next === undefined ? '' : ` · for more call ${RETRIEVE_TOOL} with ${next}`;
  return `${page.text}${sep}[headroom: ${range}${more}]`;
}

/**
 * The tool result for one `headroom_retrieve` call: the original, byte for byte when it fits in
 * `maxChars`, else the requested lines with a note on how to get the rest. Never throws: a bad hash or an
 * evicted original gets an answer that tells the model to continue without it, so it does not retry.
 */
export function answerRetrieval(
  input: unknown,
  sources: readonly RetrievalSource[],
  maxChars: number,
): string {
  const parsed = parseInput(input);
  if (!parsed) {
    return `[headroom: ${RETRIEVE_TOOL} needs {"hash": "<hash from a marker>"}; nothing was retrieved]`;
  }
  for (const source of sources) {
    const original = source.retrieve(parsed.ref.hash);
    if (original === undefined) continue;
    const whole = parsed.offset === 1 && parsed.limit === undefined && parsed.ref.at === undefined;
    if (whole && original.length <= maxChars) return original;
    return slice(original, parsed, maxChars);
  }
  return `[headroom: nothing is held for hash=${parsed.ref.hash} (never compressed here, or expired); continue without it]`;
}
