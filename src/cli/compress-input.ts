import type { SavingsProfile } from '../compress/options.js';
import { resolveOptions } from '../compress/resolve-options.js';
import { tokenCounter, tokenUpperBound } from '../tokens/count.js';
import { changeOf, formatInt } from './format.js';

/** The model whose tokenizer counts tokens when the caller names none. */
export const DEFAULT_COUNT_MODEL = 'claude-sonnet-4-6';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isMessage(value: unknown): boolean {
  if (!isRecord(value)) return false;
  // A Gemini content: its turns are `user` and `model`, its blocks `parts`.
  if (Array.isArray(value.parts) && value.content === undefined)
    return value.role === undefined || value.role === 'user' || value.role === 'model';
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
  | {
      readonly kind: 'raw';
      readonly text: string;
      /** The bytes the text was decoded from, when read from a file or a pipe: what the store keeps. */
      readonly bytes?: Buffer;
    }
  | { readonly kind: 'messages'; readonly messages: unknown[] }
  | {
      readonly kind: 'wrapped';
      readonly container: Json;
      readonly field: 'messages' | 'input' | 'contents';
      readonly messages: unknown[];
    };

/**
 * A messages file is an array of chat messages, Responses items or Gemini contents, or a request body
 * holding one under `messages`, `input` or `contents`. Anything else, JSON included (an API dump is a tool
 * output), is raw tool output.
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
    for (const field of ['messages', 'input', 'contents'] as const) {
      const list = parsed[field];
      if (Array.isArray(list) && list.length > 0 && list.every(isMessage)) {
        return { kind: 'wrapped', container: parsed, field, messages: list };
      }
    }
  }
  return { kind: 'raw', text };
}

/** The model a request body names (`{"model": "gpt-4o", "messages": …}`), or undefined. */
export function bodyModel(input: CompressInput): string | undefined {
  if (input.kind !== 'wrapped') return undefined;
  const model = input.container.model;
  return typeof model === 'string' && model.trim() !== '' ? model : undefined;
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

export interface CompressInputOptions {
  /** The question the output is meant to answer. */
  readonly query: string | undefined;
  readonly model: string;
  readonly profile: SavingsProfile;
  readonly minTokens?: number;
  /** State directory whose file store receives the originals, so every marker can be redeemed. */
  readonly stateDir: string;
}

export interface CompressedInput {
  /** The compressed text for a raw output; the messages (or the request body) otherwise. */
  readonly output: unknown;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
  /** Saved tokens over tokens before, 0 to 1. */
  readonly ratio: number;
  readonly transformsApplied: readonly string[];
}

/**
 * Compresses a tool output or a messages list and stores the originals where the proxy keeps them, for
 * `headroom compress` and the MCP `headroom_compress` tool.
 */
export async function compressInput(
  input: CompressInput,
  options: CompressInputOptions,
): Promise<CompressedInput> {
  const messages = input.kind === 'raw' ? rawConversation(input.text, options.query) : input.messages;
  // The token table loads alongside the compressors' modules (its read on node's thread pool).
  const [, { compressMessages }, { createFileStore }] = await Promise.all([
    tokenCounter(options.model),
    import('../compress/compress.js'),
    import('../store/file-store.js'),
  ]);
  const store = createFileStore({ stateDir: options.stateDir });
  const { originals, ...result } = await compressMessages(messages, {
    model: options.model,
    savingsProfile: options.profile,
    retrievalHint: store.retrievalHint,
    ...(options.minTokens === undefined ? {} : { minTokensToCompress: options.minTokens }),
  });
  await store.putAll(originals, rawSources(input, originals));

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
  return {
    output,
    tokensBefore,
    tokensAfter,
    tokensSaved,
    ratio: tokensBefore > 0 ? tokensSaved / tokensBefore : 0,
    transformsApplied: result.transformsApplied,
  };
}

/**
 * A raw output read as bytes is stored as those bytes, not as its decoded text: invalid UTF-8 (a log with
 * a stray byte) would otherwise come back from the marker's file as U+FFFD.
 */
function rawSources(input: CompressInput, originals: ReadonlyMap<string, string>): Map<string, Buffer> {
  const sources = new Map<string, Buffer>();
  if (input.kind !== 'raw' || input.bytes === undefined) return sources;
  for (const [hash, text] of originals) if (text === input.text) sources.set(hash, input.bytes);
  return sources;
}

/** A raw output too small for any block of it to be compressed, decided without loading a tokenizer. */
export interface UncountedPassthrough {
  /** The most tokens the output can count as. */
  readonly atMost: number;
  /** The size under which blocks pass through (the profile's or --min-tokens). */
  readonly threshold: number;
}

/**
 * Says whether a raw output passes through untouched because even its upper-bound token count is under
 * the threshold, so the caller can skip loading the tokenizer (a 2.4 MB module, several times node's own
 * start). Messages files always go through `compressInput`.
 */
export function uncountedPassthrough(
  input: CompressInput,
  options: Omit<CompressInputOptions, 'query' | 'stateDir'>,
): UncountedPassthrough | undefined {
  if (input.kind !== 'raw') return undefined;
  const resolved = resolveOptions({
    model: options.model,
    savingsProfile: options.profile,
    ...(options.minTokens === undefined ? {} : { minTokensToCompress: options.minTokens }),
  });
  const threshold = Math.min(
    resolved.minTokensToCompress,
    resolved.toolOutputBudget ?? Number.POSITIVE_INFINITY,
  );
  const atMost = tokenUpperBound(input.text);
  return atMost < threshold ? { atMost, threshold } : undefined;
}

/** The report for an uncounted passthrough: a bound, stated as one, since nothing was counted. */
export function uncountedReport(passthrough: UncountedPassthrough): string {
  return (
    `headroom: at most ${formatInt(passthrough.atMost)} tokens, under the ` +
    `${formatInt(passthrough.threshold)}-token threshold · nothing to compress`
  );
}

/** One line saying what compression did: `headroom: 12,000 → 3,000 tokens (saved 9,000, 75.0%) · …`. */
export function compressReport(result: CompressedInput): string {
  const c = changeOf(result.tokensSaved, result.ratio * 100);
  return (
    `headroom: ${formatInt(result.tokensBefore)} → ${formatInt(result.tokensAfter)} tokens ` +
    `(${c.verb} ${c.tokens}, ${c.percent})` +
    (result.transformsApplied.length > 0
      ? ` · ${result.transformsApplied.join(', ')}`
      : ' · nothing to compress')
  );
}
