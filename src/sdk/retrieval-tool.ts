/**
 * The `headroom_retrieve` tool: one definition per API format and one answer function, shared by every
 * adapter. The definitions are constants so the tools array stays byte-identical from request to
 * request (a tool that changes between requests busts the provider's prompt cache).
 */

import { RETRIEVE_TOOL } from '../compress/resolve-options.js';

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
  readonly hash: string;
  readonly offset: number;
  readonly limit: number | undefined;
}

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A hash as a model passes it back: models sometimes copy the marker's `hash=` prefix or change the case. */
export function normalizeHash(raw: string): string | undefined {
  const hash = raw
    .trim()
    .replace(/^hash\s*=\s*/i, '')
    .toLowerCase();
  return /^[0-9a-f]{6,64}$/.test(hash) ? hash : undefined;
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
  const hash = typeof raw === 'string' ? normalizeHash(raw) : undefined;
  if (hash === undefined) return undefined;
  const o = value as Record<string, unknown>;
  return { hash, offset: positiveInt(o.offset) ?? 1, limit: positiveInt(o.limit) };
}

/** Lines of `text` from `offset`, as many as `limit` and `maxChars` allow, with the line terminators kept. */
function slice(text: string, input: RetrieveInput, maxChars: number): string {
  const lines = text.split(/(?<=\n)/);
  const first = Math.min(input.offset, lines.length + 1);
  const out: string[] = [];
  let chars = 0;
  let n = first - 1;
  while (n < lines.length && (input.limit === undefined || out.length < input.limit)) {
    const line = lines[n]!;
    if (out.length > 0 && chars + line.length > maxChars) break;
    out.push(line);
    chars += line.length;
    n += 1;
  }
  const body = out.join('');
  if (first === 1 && n === lines.length) return body;
  const sep = body.endsWith('\n') || body.length === 0 ? '' : '\n';
  const range = out.length === 0 ? `no lines from line ${first}` : `lines ${first}–${n}`;
  const more =
    n < lines.length ? ` · for more call ${RETRIEVE_TOOL} with hash=${input.hash} and offset=${n + 1}` : '';
  return `${body}${sep}[headroom: ${range} of ${lines.length}${more}]`;
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
    const original = source.retrieve(parsed.hash);
    if (original === undefined) continue;
    if (parsed.offset === 1 && parsed.limit === undefined && original.length <= maxChars) return original;
    return slice(original, parsed, maxChars);
  }
  return `[headroom: nothing is held for hash=${parsed.hash} (never compressed here, or expired); continue without it]`;
}
