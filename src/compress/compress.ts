import { LRUCache } from 'lru-cache';
import { HeadroomError } from '../errors.js';
import { tokenCounter } from '../tokens/count.js';
import { memoKey } from './hash.js';
import type { BlockMemo, MemoEntry } from './memo.js';
import type { CompressOptions, ResolvedOptions } from './options.js';
import { extractQuery, isAnalysisRequest, isReadAllRequest } from './query.js';
import { optionsFingerprint, resolveOptions } from './resolve-options.js';
import type { BlockDecision, CoreResult } from './result.js';
import { compressBlock } from './router.js';
import { collectSlots, detectShape, type Slot, setAtPath } from './shapes/index.js';
import { isRecord } from './shapes/slot.js';
import { type ConversationTurns, carryKey, type MessageRecord, reusablePrefix } from './turns.js';
import type { Query } from './types.js';

/** After compressing a block this big, the core lets other work run and checks for a cancelled call. */
const YIELD_AFTER_CHARS = 32 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Strings under this length are counted directly; longer ones go through the memo's count cache. */
const COUNT_MEMO_MIN = 2048;
/** Fields that hold ids, signatures or binary data rather than text the model reads as tokens. */
const NOT_TEXT = new Set([
  'data',
  'signature',
  'encrypted_content',
  'id',
  'tool_use_id',
  'tool_call_id',
  'call_id',
  'cache_control',
  'thoughtSignature',
]);

function countAll(value: unknown, count: (text: string) => number): number {
  if (typeof value === 'string') return count(value);
  if (Array.isArray(value)) {
    let total = 0;
    for (const v of value) total += countAll(v, count);
    return total;
  }
  if (!isRecord(value)) return 0;
  let total = 0;
  // A text document's source (Anthropic `{ type: 'text', media_type: 'text/plain', data }`) holds plain text
  // the model reads in `data`; a base64 source's `data` stays skipped.
  const textData = value.type === 'text';
  for (const key in value) {
    if (NOT_TEXT.has(key) && !(key === 'data' && textData)) continue;
    const v = value[key];
    if (typeof v === 'string' && v.startsWith('data:') && v.length > 1000) continue;
    total += countAll(v, count);
  }
  return total;
}

/**
 * A token counter for one call: a big text is hashed once per call (its digest keys both its token count
 * and its block decision) and counted once per call (and once per memo lifetime), not again for the totals.
 */
async function counterFor(model: string, memo: BlockMemo | undefined) {
  const rawCount = await tokenCounter(model);
  const digests = new Map<string, string>();
  const digestOf = (text: string): string => {
    let digest = digests.get(text);
    if (digest === undefined) {
      digest = memo?.digest?.(text) ?? memoKey([text]);
      digests.set(text, digest);
    }
    return digest;
  };
  const local = new Map<string, number>();
  const count = (text: string): number => {
    if (text.length < COUNT_MEMO_MIN) return memo?.countShort?.(model, text, rawCount) ?? rawCount(text);
    let n = local.get(text);
    if (n !== undefined) return n;
    if (memo) {
      // The digest already names the text; a plain key saves hashing it again on every turn.
      const key = `count\u0000${model}\u0000${digestOf(text)}`;
      n = memo.getCount(key);
      if (n === undefined) {
        n = rawCount(text);
        memo.setCount(key, n);
      }
    } else n = rawCount(text);
    local.set(text, n);
    return n;
  };
  return { count, digestOf };
}

/**
 * Tokens of a conversation's messages, counted as `compressMessages` counts them for `tokensBefore`, with
 * no block decided: the count of a request that went out as it came.
 */
export async function countMessages(
  messages: readonly unknown[],
  model: string,
  memo?: BlockMemo,
): Promise<number> {
  const { count } = await counterFor(model, memo);
  return countAll(messages, count);
}

/**
 * Tokens of the text in any part of a request (a system prompt, tool definitions), counted as
 * `compressMessages` counts messages, so a shell can state whole requests. Ids and binary data are skipped.
 */
export async function countRequestTokens(value: unknown, model: string, memo?: BlockMemo): Promise<number> {
  const { count } = await counterFor(model, memo);
  if (!memo) return countAll(value, count);
  // An agent resends the same system prompt and tools on every turn: counted once, then one hash per call.
  const key = memoKey(['request', model, JSON.stringify(value) ?? '']);
  let tokens = memo.getCount(key);
  if (tokens === undefined) {
    tokens = countAll(value, count);
    memo.setCount(key, tokens);
  }
  return tokens;
}

/** What a block's decision takes from the user's question. */
interface Asked {
  readonly query: Query;
  readonly analysis: boolean;
  readonly readAll: boolean;
}

/**
 * Questions already read: an agent makes many tool calls per question and resends them all every turn, so
 * each question is read once, not once per block per turn. Bounded by the characters it holds.
 */
const ASKED = new LRUCache<string, Asked>({
  maxSize: 4 * 1024 * 1024,
  sizeCalculation: (_asked, text) => text.length + 64,
});

function askedIn(text: string): Asked {
  let asked = ASKED.get(text);
  if (!asked) {
    asked = { query: extractQuery(text), analysis: isAnalysisRequest(text), readAll: isReadAllRequest(text) };
    ASKED.set(text, asked);
  }
  return asked;
}

/** What a block's decision depends on besides its text (the question's flags as the options allow), and the memo key naming all of it. */
interface BlockContext extends Asked {
  /** The whole saved output a `<persisted-output>` preview stands for, when one was resolved. */
  readonly persisted: string | undefined;
  readonly key: string;
}

function blockContext(
  slot: Slot,
  resolved: ResolvedOptions,
  fingerprint: string,
  digestOf: ((text: string) => string) | undefined,
): BlockContext {
  const asked = askedIn(slot.userText);
  const { query } = asked;
  const readAll = resolved.protectAnalysisContext && asked.readAll;
  const analysis = readAll || (resolved.protectAnalysisContext && asked.analysis);
  const persisted = resolved.claudeBudget ? resolved.persistedOutputs?.get(slot.text) : undefined;
  const key = digestOf
    ? memoKey([
        'block',
        fingerprint,
        digestOf(slot.text),
        query.terms.join('\u0000'),
        (query.entities ?? []).join('\u0000'),
        String(analysis),
        String(readAll),
        JSON.stringify(slot.hint),
        persisted === undefined ? '' : digestOf(persisted),
      ])
    : '';
  return { query, analysis, readAll, persisted, key };
}

function decision(messageIndex: number, location: string, e: MemoEntry): BlockDecision {
  return {
    messageIndex,
    location,
    kind: e.kind,
    tokensBefore: e.tokensBefore,
    tokensAfter: e.tokensAfter,
    action: e.action,
    ...(e.transform ? { transform: e.transform } : {}),
    ...(e.hash ? { hash: e.hash } : {}),
  };
}

/** Everything one call decides its messages with. */
interface CallContext {
  readonly resolved: ResolvedOptions;
  readonly fingerprint: string;
  readonly firstProtected: number;
  readonly count: (text: string) => number;
  readonly digestOf: (text: string) => string;
  readonly memo: BlockMemo | undefined;
  readonly signal: AbortSignal | undefined;
}

/** Decides the blocks of one message (its `slots`, in order) and counts it. */
async function decideMessage(
  message: unknown,
  slots: readonly Slot[],
  call: CallContext,
): Promise<MessageRecord> {
  const { resolved, memo, count } = call;
  const blocks: BlockDecision[] = [];
  const transforms: string[] = [];
  const originals: [string, string][] = [];
  const previews: [string, string | undefined][] = [];
  const decisions: [string, MemoEntry][] = [];
  let output = message;
  let saved = 0;
  for (const slot of slots) {
    if (slot.messageIndex >= call.firstProtected) {
      const tokens = count(slot.text);
      blocks.push({
        messageIndex: slot.messageIndex,
        location: slot.location,
        kind: undefined,
        tokensBefore: tokens,
        tokensAfter: tokens,
        action: 'protected-recent',
      });
      continue;
    }
    const { query, analysis, readAll, persisted, key } = blockContext(
      slot,
      resolved,
      call.fingerprint,
      memo ? call.digestOf : undefined,
    );
    if (resolved.claudeBudget) previews.push([slot.text, persisted]);
    let entry = memo?.get(key);
    if (!entry) {
      call.signal?.throwIfAborted();
      entry = compressBlock(
        { text: slot.text, hint: slot.hint, query, analysis, readAll, persisted },
        resolved,
        count,
      );
      memo?.set(key, entry);
      if (slot.text.length >= YIELD_AFTER_CHARS) await yieldToEventLoop();
    }
    if (memo) decisions.push([key, entry]);
    blocks.push(decision(slot.messageIndex, slot.location, entry));
    if (entry.text === undefined) continue;
    // Slot paths start at the message's index in the conversation.
    output = setAtPath(output, slot.path.slice(1), entry.text);
    saved += entry.tokensBefore - entry.tokensAfter;
    if (entry.transform) transforms.push(entry.transform);
    if (entry.hash) originals.push([entry.hash, persisted ?? slot.text]);
  }
  return {
    output,
    tokens: countAll(message, count),
    saved,
    blocks,
    transforms,
    originals,
    previews,
    decisions,
  };
}

/**
 * The pure core: messages in, messages out, plus the originals of what it compressed. Deterministic,
 * and a block's result depends only on the block and what came before it, never on later messages.
 * Throws only for invalid options, a `messages` value that is not an array, or an aborted `signal`
 * (checked between big blocks, so a caller's deadline can stop a huge request instead of waiting it out).
 * A shell that keeps conversations passes `turns`: the messages this call shares with the previous one
 * (the same parsed objects, from the start) are taken as they were, and the result is the same.
 */
export async function compressMessages<M>(
  messages: M,
  options: CompressOptions,
  memo?: BlockMemo,
  signal?: AbortSignal,
  turns?: ConversationTurns,
): Promise<CoreResult<M>> {
  const resolved = resolveOptions(options);
  if (!Array.isArray(messages)) {
    throw new HeadroomError(
      'INVALID_INPUT',
      'Expected `messages` to be an array of chat messages, Responses input items or Gemini contents.',
      {
        fix: 'Pass the `messages` array of a chat request (the `input` array of a Responses request, the `contents` array of a Gemini request).',
      },
    );
  }
  const list: readonly unknown[] = messages;
  const fingerprint = optionsFingerprint(resolved);
  const { count, digestOf } = await counterFor(resolved.model, memo);
  const shape = detectShape(list);
  const key = carryKey(shape, fingerprint, resolved);
  const previous = turns?.previous;
  const reused = reusablePrefix(previous, key, list, resolved.persistedOutputs);
  const slots = collectSlots(
    shape,
    list,
    resolved.compressUserMessages,
    resolved.compressSystemMessages,
    reused,
  );
  const call: CallContext = {
    resolved,
    fingerprint,
    firstProtected: list.length - resolved.protectRecent,
    count,
    digestOf,
    memo,
    signal,
  };

  const records: MessageRecord[] = [];
  let next = 0;
  for (let i = 0; i < list.length; i += 1) {
    const from = next;
    while (next < slots.length && slots[next]!.messageIndex === i) next += 1;
    records.push(
      i < reused ? previous!.records[i]! : await decideMessage(list[i], slots.slice(from, next), call),
    );
  }
  signal?.throwIfAborted();
  if (key !== undefined) turns?.keep({ key, messages: list, records });

  const originals = new Map<string, string>();
  const blocks: BlockDecision[] = [];
  const transforms: string[] = [];
  let tokensBefore = 0;
  let saved = 0;
  let changed = false;
  for (const [i, record] of records.entries()) {
    tokensBefore += record.tokens;
    saved += record.saved;
    blocks.push(...record.blocks);
    transforms.push(...record.transforms);
    for (const [hash, text] of record.originals) originals.set(hash, text);
    if (record.output !== list[i]) changed = true;
  }
  const tokensAfter = tokensBefore - saved;
  return {
    messages: (changed ? records.map((r) => r.output) : messages) as M,
    tokensBefore,
    tokensAfter,
    tokensSaved: saved,
    compressionRatio: tokensBefore === 0 ? 0 : saved / tokensBefore,
    transformsApplied: transforms,
    blocks,
    originals,
  };
}

/** What `replayKnownBlocks` could and could not decide from the memo alone. */
export interface ReplayResult<M> {
  readonly messages: M;
  /** Blocks whose remembered decision was applied, and the tokens those decisions name. */
  readonly known: number;
  /** Blocks with no remembered decision: left exactly as they were. */
  readonly unknown: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly transformsApplied: readonly string[];
  readonly originals: ReadonlyMap<string, string>;
}

/**
 * The output `compressMessages` gives for every block it has decided before, with every other block left
 * as it is; no compressor runs and nothing is counted, so it costs a hash per big block. A caller that
 * cannot wait for new blocks (a deadline, a busy worker) sends this: blocks sent before keep their bytes.
 * `leaveRaw` names originals (by hash) that must go out uncompressed this time (their store write failed).
 */
export function replayKnownBlocks<M>(
  messages: M,
  options: CompressOptions,
  memo: BlockMemo,
  leaveRaw: ReadonlySet<string> = new Set(),
): ReplayResult<M> {
  const resolved = resolveOptions(options);
  if (!Array.isArray(messages))
    throw new HeadroomError('INVALID_INPUT', 'Expected `messages` to be an array.');
  const fingerprint = optionsFingerprint(resolved);
  const digestOf = (text: string): string => memo.digest?.(text) ?? memoKey([text]);
  const slots = collectSlots(
    detectShape(messages),
    messages,
    resolved.compressUserMessages,
    resolved.compressSystemMessages,
  );
  const firstProtected = messages.length - resolved.protectRecent;
  const originals = new Map<string, string>();
  const transforms: string[] = [];
  let out: unknown = messages;
  let known = 0;
  let unknown = 0;
  let tokensBefore = 0;
  let tokensAfter = 0;
  for (const slot of slots) {
    if (slot.messageIndex >= firstProtected) continue;
    const { persisted, key } = blockContext(slot, resolved, fingerprint, digestOf);
    const entry = memo.get(key);
    if (!entry) {
      unknown += 1;
      continue;
    }
    known += 1;
    tokensBefore += entry.tokensBefore;
    if (entry.text === undefined || (entry.hash !== undefined && leaveRaw.has(entry.hash))) {
      tokensAfter += entry.tokensBefore;
      continue;
    }
    tokensAfter += entry.tokensAfter;
    out = setAtPath(out, slot.path, entry.text);
    if (entry.transform) transforms.push(entry.transform);
    if (entry.hash) originals.set(entry.hash, persisted ?? slot.text);
  }
  return {
    messages: out as M,
    known,
    unknown,
    tokensBefore,
    tokensAfter,
    transformsApplied: transforms,
    originals,
  };
}
