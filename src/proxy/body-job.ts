import { performance } from 'node:perf_hooks';
import {
  type compressMessages,
  countMessages,
  countRequestTokens,
  replayKnownBlocks,
} from '../compress/compress.js';
import type { BlockMemo, MemoEntry } from '../compress/memo.js';
import type { CompressOptions } from '../compress/options.js';
import { restoreDecisions } from '../compress/turns.js';
import { HeadroomError } from '../errors.js';
import type { FileStore } from '../store/file-store.js';
import { diffJson, type JsonChange, spliceJson } from './json-splice.js';
import type { ParsedBody } from './parse-body.js';
import type { PersistedOutputs } from './persisted-output.js';
import { type PrefixReuse, type Reading, readAfresh } from './prefix-reuse.js';
import type { ConversationField, ProviderName } from './providers/provider.js';

/** Why a model call's body went upstream exactly as the client sent it. */
export type PassthroughReason =
  | 'disabled'
  | 'encoded-body'
  | 'too-large'
  | 'unparseable-body'
  | 'unknown-shape'
  | 'nothing-to-compress'
  | 'splice-failed'
  | 'upstream-unreachable'
  | 'cancelled'
  | 'refused'
  | BlockFailure;

/** Why one block went out raw while the others went out as before: the unit of failure is the block. */
export type BlockFailure = 'timeout' | 'compression-error' | 'store-error';

/** What goes upstream for one model call, and what the ledger says about it. */
export interface BodyOutcome {
  readonly body: Uint8Array;
  readonly model: string;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
  readonly transforms: readonly string[];
  readonly compressionMs: number;
  /** Set when the original bytes went out unchanged. */
  readonly passthroughReason?: PassthroughReason;
  /** Blocks sent raw this time although others were compressed, by why. */
  readonly blocksKeptRaw?: Readonly<Partial<Record<BlockFailure, number>>>;
  /**
   * When the body went out before its tokens were counted (nothing in it could be compressed, so it did
   * not wait for a worker; or it went out from a replay, which counts only the blocks it knows): the whole
   * body's count, arriving later, for the ledger.
   */
  readonly counting?: Promise<number>;
  /**
   * Settles (never rejects) when no compression job reads the raw body any more: a job can outlive the
   * request's wait for it. The relay reuses the body's memory only after that.
   */
  readonly working?: Promise<unknown>;
}

export type CompressFn = typeof compressMessages;

/** One model call's body, as handed to a compression worker (or run in-process). */
export interface BodyJob {
  readonly raw: Uint8Array;
  readonly provider: ProviderName;
  readonly path: string;
  /** Compress options without `model`, which comes from the body. */
  readonly options: Omit<CompressOptions, 'model'>;
}

/** A job's outcome plus the decisions it made, so the proxy can replay them if a later job runs late. */
export interface JobResult {
  readonly outcome: BodyOutcome;
  readonly learned: readonly (readonly [string, MemoEntry])[];
}

export interface JobEnv {
  readonly compress: CompressFn;
  readonly memo: BlockMemo;
  readonly store: FileStore;
  /** Claude budget mode: the saved Bash outputs behind `<persisted-output>` previews (absent when off). */
  readonly persisted?: PersistedOutputs;
  /** Earlier turns of conversations, so a body is read and spliced only where it is new. */
  readonly conversations?: PrefixReuse;
}

export const passthrough = (
  raw: Uint8Array,
  model: string,
  reason: PassthroughReason,
  extra: Partial<BodyOutcome> = {},
): BodyOutcome => ({
  body: raw,
  model,
  tokensBefore: 0,
  tokensAfter: 0,
  tokensSaved: 0,
  transforms: [],
  compressionMs: 0,
  ...extra,
  passthroughReason: reason,
});

/**
 * A call that never reached its provider (unreachable, or its client left before it was sent), or that the
 * provider refused before running it: nothing was billed, so nothing was saved, and the reason says why.
 */
export const notSent = (
  outcome: BodyOutcome,
  reason: 'upstream-unreachable' | 'cancelled' | 'refused',
): BodyOutcome => ({
  ...outcome,
  tokensAfter: outcome.tokensBefore,
  tokensSaved: 0,
  transforms: [],
  passthroughReason: reason,
});

/**
 * The outcome as the provider's answer leaves it: a compressed call it refused before running it (a 4xx or
 * 5xx status: 429, 529, 400…) billed nothing, so it saved nothing, and the agent's retry, which is billed,
 * is counted on its own. A call that went out unchanged claims nothing anyway and keeps its reason.
 */
export const answered = (outcome: BodyOutcome, status: number): BodyOutcome =>
  status >= 400 && outcome.passthroughReason === undefined ? notSent(outcome, 'refused') : outcome;

/** Records the decisions a compression makes, so they can be sent back with its result. */
function recording(memo: BlockMemo): { memo: BlockMemo; learned: [string, MemoEntry][] } {
  const learned: [string, MemoEntry][] = [];
  return {
    learned,
    memo: {
      // Digests and counts are the memo's own: without them every turn would hash every block again.
      ...memo,
      get: (key) => memo.get(key),
      set(key, entry) {
        learned.push([key, entry]);
        memo.set(key, entry);
      },
    },
  };
}

/** Writes each original on its own; the hashes whose write failed go out raw, the others as planned. */
export async function storeEach(
  store: FileStore,
  originals: ReadonlyMap<string, string>,
): Promise<Set<string>> {
  const failed = new Set<string>();
  await Promise.all(
    [...originals].map(([hash, text]) =>
      store.putAll(new Map([[hash, text]])).catch(() => {
        failed.add(hash);
      }),
    ),
  );
  return failed;
}

interface Planned {
  readonly messages: unknown;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly transforms: readonly string[];
  readonly originals: ReadonlyMap<string, string>;
}

/**
 * Splices a planned conversation into the raw body, after writing its originals: a marker never names a
 * file that is not there. A block whose original could not be written goes out raw (via `replay`).
 */
export async function release(
  raw: Uint8Array,
  parsed: Omit<ParsedBody, 'fields'> & {
    readonly target: { readonly field: ConversationField; readonly messages: readonly unknown[] };
  },
  plan: Planned,
  store: FileStore,
  replay: (leaveRaw: ReadonlySet<string>) => Planned,
  extra: { compressionMs: number; blocksKeptRaw?: Partial<Record<BlockFailure, number>> },
  splice: (changes: readonly JsonChange[]) => Buffer | undefined = (changes) => spliceJson(raw, changes),
): Promise<BodyOutcome> {
  const { model, target } = parsed;
  let planned = plan;
  let kept = { ...extra.blocksKeptRaw };
  const failed = await storeEach(store, planned.originals);
  if (failed.size > 0) {
    planned = replay(failed);
    kept = { ...kept, 'store-error': (kept['store-error'] ?? 0) + failed.size };
  }
  const blocksKeptRaw = Object.keys(kept).length > 0 ? { blocksKeptRaw: kept } : {};
  const counted = { tokensBefore: planned.tokensBefore, tokensAfter: planned.tokensBefore, ...extra };
  const saved = planned.tokensBefore - planned.tokensAfter;
  const reasonWhenUnchanged = (Object.keys(kept)[0] as BlockFailure | undefined) ?? 'nothing-to-compress';
  // A saved Bash output shown in view adds tokens yet is a change to send (Claude budget mode).
  if (planned.transforms.length === 0)
    return passthrough(raw, model, reasonWhenUnchanged, { ...counted, ...blocksKeptRaw });
  const changes = diffJson(target.messages, planned.messages, [target.field]);
  if (changes.length === 0)
    return passthrough(raw, model, reasonWhenUnchanged, { ...counted, ...blocksKeptRaw });
  const spliced = splice(changes);
  if (!spliced) return passthrough(raw, model, 'splice-failed', counted);
  return {
    body: spliced,
    model,
    tokensBefore: planned.tokensBefore,
    tokensAfter: planned.tokensAfter,
    tokensSaved: saved,
    transforms: planned.transforms,
    compressionMs: extra.compressionMs,
    ...blocksKeptRaw,
  };
}

/** Blocks the memo knows go out as before; the rest raw, counted under `failure`. */
export function replayPlan(
  messages: readonly unknown[],
  options: CompressOptions,
  memo: BlockMemo,
  leaveRaw: ReadonlySet<string> = new Set(),
): Planned & { readonly unknown: number } {
  const replayed = replayKnownBlocks(messages, options, memo, leaveRaw);
  return {
    messages: replayed.messages,
    tokensBefore: replayed.tokensBefore,
    tokensAfter: replayed.tokensAfter,
    transforms: replayed.transformsApplied,
    originals: replayed.originals,
    unknown: replayed.unknown,
  };
}

/**
 * Decides the upstream body of one model call: parse, compress (memoised per block), write originals,
 * splice. Runs inside a compression worker, or in-process when the caller supplies its own `compress`.
 * Every failure is a passthrough of the block concerned, never of the request.
 */
export async function runBodyJob(job: BodyJob, env: JobEnv): Promise<JobResult> {
  const { raw } = job;
  const reading = (env.conversations?.read ?? readAfresh)(raw, job.provider, job.path);
  const { parsed } = reading;
  if (typeof parsed === 'string') return { outcome: passthrough(raw, 'unknown', parsed), learned: [] };
  const { model, target } = parsed;
  if ('reason' in target) return { outcome: passthrough(raw, model, target.reason), learned: [] };
  if (target.messages.length === 0)
    return { outcome: passthrough(raw, model, 'nothing-to-compress'), learned: [] };
  const withTarget = { model, target };
  const messages = target.messages;
  // Pre-compression step: Claude Code's `<persisted-output>` previews resolved to the outputs they stand
  // for (read safely, memoised), so the core can show the model a view of the whole output.
  const persistedOutputs = job.provider === 'anthropic' ? await env.persisted?.resolve(messages) : undefined;
  const options: CompressOptions = {
    ...job.options,
    ...(persistedOutputs ? { persistedOutputs } : {}),
    model,
  };
  const { memo, learned } = recording(env.memo);
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let result: Awaited<ReturnType<CompressFn>>;
  try {
    result = await env.compress(messages, options, memo, undefined, reading.turns);
  } catch (error) {
    if (
      error instanceof HeadroomError &&
      (error.code === 'UNKNOWN_SHAPE' || error.code === 'INVALID_INPUT')
    ) {
      return { outcome: passthrough(raw, model, 'unknown-shape', { compressionMs: elapsed() }), learned };
    }
    // Blocks decided before still go out as they did; the rest raw.
    restoreDecisions(reading.turns.previous, env.memo);
    const plan = replayPlan(messages, options, env.memo);
    const outcome = await release(
      raw,
      withTarget,
      plan,
      env.store,
      (raw) => replayPlan(messages, options, env.memo, raw),
      {
        compressionMs: elapsed(),
        ...(plan.unknown > 0 ? { blocksKeptRaw: { 'compression-error': plan.unknown } } : {}),
      },
      reading.splice,
    );
    reading.remember();
    return { outcome, learned };
  }
  // Whole requests are counted: system prompt and tool definitions go out as they came, but are billed.
  const rest = await restTokens(reading, parsed, target.field, env.memo);
  const tokensBefore = result.tokensBefore + rest;
  const plan: Planned = {
    messages: result.messages,
    tokensBefore,
    tokensAfter: result.tokensAfter + rest,
    transforms: result.transformsApplied,
    originals: result.originals,
  };
  const outcome = await release(
    raw,
    withTarget,
    plan,
    env.store,
    (leaveRaw) => {
      restoreDecisions(reading.turns.previous, env.memo);
      const replayed = replayPlan(messages, options, env.memo, leaveRaw);
      // Replay counts only the blocks it knows; the whole request's count is the compression's.
      const saved = replayed.tokensBefore - replayed.tokensAfter;
      return { ...replayed, tokensBefore, tokensAfter: tokensBefore - saved };
    },
    { compressionMs: elapsed() },
    reading.splice,
  );
  reading.remember();
  return { outcome, learned };
}

/** Tokens of everything in a request but its conversation (`field`) and model: system prompt, tools. */
function restTokens(reading: Reading, parsed: ParsedBody, field: string, memo: BlockMemo): Promise<number> {
  const { model } = parsed;
  return reading.restTokens(model, () =>
    countRequestTokens({ ...parsed.fields, [field]: undefined, model: undefined }, model, memo),
  );
}

/**
 * The tokens `runBodyJob` counts for a body (its `tokensBefore`), without deciding any block: the ledger's
 * count of a request that went out as it came because nothing in it was big enough to compress. The turn
 * is kept for the conversation's next one, as `runBodyJob` keeps it.
 */
export async function countBodyJob(
  job: BodyJob,
  env: Pick<JobEnv, 'memo' | 'conversations'>,
): Promise<number> {
  const reading = (env.conversations?.read ?? readAfresh)(job.raw, job.provider, job.path);
  const { parsed } = reading;
  if (typeof parsed === 'string') return 0;
  const { target } = parsed;
  if ('reason' in target || target.messages.length === 0) return 0;
  const messages = await countMessages(target.messages, parsed.model, env.memo);
  const rest = await restTokens(reading, parsed, target.field, env.memo);
  reading.remember();
  return messages + rest;
}
