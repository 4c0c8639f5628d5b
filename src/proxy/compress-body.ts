import { performance } from 'node:perf_hooks';
import { compressMessages } from '../compress/compress.js';
import { type BlockMemo, createBlockMemo } from '../compress/memo.js';
import type { CompressOptions } from '../compress/options.js';
import { resolveOptions } from '../compress/resolve-options.js';
import { collectSlots, detectShape } from '../compress/shapes/index.js';
import type { FileStore } from '../store/file-store.js';
import { CLAUDE_FACTOR } from '../tokens/count.js';
import {
  type BlockFailure,
  type BodyJob,
  type BodyOutcome,
  type CompressFn,
  countBodyJob,
  type JobResult,
  passthrough,
  release,
  replayPlan,
  runBodyJob,
} from './body-job.js';
import type { CompressPool } from './compress-pool.js';
import type { ResolvedProxyOptions } from './options.js';
import { type ParsedBody, parseBody } from './parse-body.js';
import { createPersistedOutputs, isPreview, type PersistedOutputs } from './persisted-output.js';
import { conversationAffinity, createPrefixReuse } from './prefix-reuse.js';
import type { Provider } from './providers/provider.js';

export type { BlockFailure, BodyOutcome, CompressFn, PassthroughReason } from './body-job.js';

/**
 * Bodies above this size are streamed upstream as they arrive, never buffered or parsed: compressing
 * them would take longer than the deadline allows anyway, and holding them costs their size in memory.
 */
export const MAX_COMPRESSED_BODY_BYTES = 64 * 1024 * 1024;
/** Longest a request waits for the compression workers to start and load their tokenizer. */
const WARM_UP_LIMIT_MS = 15_000;
/**
 * Bodies up to this size are parsed on the event loop to see whether anything in them could be compressed
 * (agents' small requests answer without waiting for a worker); bigger ones nearly always hold a big block,
 * and parsing them twice would cost more than it saves.
 */
const PRECHECK_MAX_BYTES = 256 * 1024;
/** What the event loop keeps of recent bodies it checked, to read only their new parts next turn. */
const PRECHECK_TURN_BYTES = 16 * 1024 * 1024;
/** The main thread's copy of the workers' decisions, for replaying them when a worker runs late. */
const MIRROR_MEMO_BYTES = 32 * 1024 * 1024;

export interface BodyCompressorDeps {
  readonly options: ResolvedProxyOptions;
  readonly store: FileStore;
  /** Worker threads to compress in. Without one, compression runs in this thread with `compress`. */
  readonly pool?: CompressPool;
  /** The core, replaceable for tests that need compression to fail or stall (in-process only). */
  readonly compress?: CompressFn;
}

/** Decides the upstream body of one model call from its raw bytes; never throws. */
export type BodyCompressor = (
  raw: Uint8Array,
  provider: Provider,
  path: string,
  contentEncoding: string | undefined,
) => Promise<BodyOutcome>;

const DEADLINE = Symbol('deadline');

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof DEADLINE> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof DEADLINE>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** What decides whether a body may hold a block worth compressing; the same for every body of a proxy. */
interface Precheck {
  /** Fewest tokens a block must have to be compressed. */
  readonly floor: number;
  readonly compressUserMessages: boolean;
  /** Claude budget mode: a saved output's preview is shown in view even when it is small. */
  readonly previews: boolean;
}

function precheckOf(options: Omit<CompressOptions, 'model'>, previews: boolean): Precheck {
  // The model is only carried through by `resolveOptions`; none of these depend on it.
  const resolved = resolveOptions({ ...options, model: 'any' });
  return {
    floor: Math.min(resolved.minTokensToCompress, resolved.toolOutputBudget ?? Number.POSITIVE_INFINITY),
    compressUserMessages: resolved.compressUserMessages,
    previews,
  };
}

/**
 * True when some block could reach the compression threshold (or, in Claude budget mode, is a saved
 * output's preview to show in view). Decided without a tokenizer from an upper bound (a BPE token is at
 * least one UTF-8 byte), so a fresh proxy answers such requests at once.
 */
function mayCompress(parsed: ParsedBody, check: Precheck, provider: Provider['name']): boolean {
  if ('reason' in parsed.target) return false;
  const previews = check.previews && provider === 'anthropic';
  const messages = parsed.target.messages;
  // System messages are never compressed by the proxy (see `jobOptions`).
  const slots = collectSlots(detectShape(messages), messages, check.compressUserMessages, false);
  return slots.some(
    (slot) =>
      Math.ceil(Buffer.byteLength(slot.text) * CLAUDE_FACTOR) >= check.floor ||
      (previews && isPreview(slot.text)),
  );
}

/** Where Claude Code saves Bash outputs, when Claude budget mode may expand their previews. */
export function persistedOutputsDir(options: ResolvedProxyOptions): string | undefined {
  return options.compress.claudeBudget ? options.claudeConfigDir : undefined;
}

/**
 * Creates the function that decides each model call's upstream body. Compression runs in worker
 * threads, so the event loop keeps serving other sessions and `/health`. The unit of failure is the
 * block: when compression misses its deadline or fails, every block decided before goes out exactly as
 * it did, and only the new ones go raw (their decision is made anyway and used from the next turn on, so
 * the bytes depend on content alone and survive restarts). Originals are written to the file store before
 * the body is released, so a marker never names a file that is not there yet.
 */
export function createBodyCompressor(deps: BodyCompressorDeps): BodyCompressor {
  const { options, store, pool } = deps;
  const compress = deps.compress ?? compressMessages;
  // In-process, the job's own memo is the one replayed; with workers, a mirror of what they decided.
  const mirror: BlockMemo = createBlockMemo(pool ? MIRROR_MEMO_BYTES : undefined);
  pool?.seedFrom(mirror);
  // The event loop reads each body it checks only where it is new, as the workers do (their own copy: the
  // two threads share no objects).
  const prechecked = createPrefixReuse(PRECHECK_TURN_BYTES);
  // In-process, earlier turns are kept here; with workers, in the worker each conversation goes to.
  const conversations = pool ? undefined : createPrefixReuse();
  // Claude budget mode: saved Bash outputs next to the agent, read safely (in the workers too, see
  // `persistedOutputsDir`); here for in-process jobs and for replaying the workers' decisions.
  const persistedDir = persistedOutputsDir(options);
  const persisted: PersistedOutputs | undefined = persistedDir
    ? createPersistedOutputs(persistedDir)
    : undefined;
  const jobOptions: Omit<CompressOptions, 'model'> = {
    ...options.compress,
    // The proxy never touches instructions: system prompts are followed word for word and cached.
    compressSystemMessages: false,
    // Markers name the file the agent's own Read/Bash tool can open (design note §4).
    retrievalHint: store.retrievalHint,
  };
  const precheck = precheckOf(jobOptions, persisted !== undefined);

  function learn(result: JobResult): void {
    for (const [key, entry] of result.learned) mirror.set(key, entry);
  }

  /**
   * The whole request's tokens (`countBodyJob`), for the ledger line of a body that went out uncounted
   * (nothing to compress) or replayed (the replay knows only the blocks decided before): by the worker
   * `affinity()`'s conversation goes to, or in-process once the request has gone out.
   */
  function countWhole(job: BodyJob, affinity: () => number): Promise<number> {
    if (pool) return pool.warmUp().then(() => pool.count(job, affinity()));
    return new Promise((resolve) => setImmediate(resolve)).then(() => countBodyJob(job, { memo: mirror }));
  }

  /**
   * Blocks already decided go out as before; the others raw, counted under `failure`. The ledger gets
   * the whole request's count later (`counting`), as a compressed request's is.
   */
  async function replayKnown(
    raw: Uint8Array,
    job: BodyJob,
    failure: BlockFailure,
    started: number,
    jobs: Promise<unknown>[],
  ): Promise<BodyOutcome> {
    const parsed = parseBody(raw, job.provider, job.path);
    if (typeof parsed === 'string') return passthrough(raw, 'unknown', parsed);
    const { model, target } = parsed;
    if ('reason' in target) return passthrough(raw, model, target.reason);
    const persistedOutputs =
      job.provider === 'anthropic' ? await persisted?.resolve(target.messages) : undefined;
    const compressOptions: CompressOptions = {
      ...job.options,
      ...(persistedOutputs ? { persistedOutputs } : {}),
      model,
    };
    const plan = replayPlan(target.messages, compressOptions, mirror);
    const outcome = await release(
      raw,
      { model, target },
      plan,
      store,
      (leaveRaw) => replayPlan(target.messages, compressOptions, mirror, leaveRaw),
      {
        compressionMs: performance.now() - started,
        ...(plan.unknown > 0 ? { blocksKeptRaw: { [failure]: plan.unknown } } : {}),
      },
    );
    const counting = countWhole(job, () => conversationAffinity(raw));
    jobs.push(counting.catch(() => undefined));
    return { ...outcome, counting };
  }

  /** Decides the body; `jobs` receives every compression job started on `raw`. */
  async function decide(
    raw: Uint8Array,
    provider: Provider,
    path: string,
    contentEncoding: string | undefined,
    jobs: Promise<unknown>[],
  ): Promise<BodyOutcome> {
    const encoding = contentEncoding?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') return passthrough(raw, 'unknown', 'encoded-body');
    if (raw.byteLength > MAX_COMPRESSED_BODY_BYTES) return passthrough(raw, 'unknown', 'too-large');
    const job: BodyJob = { raw, provider: provider.name, path, options: jobOptions };
    if (!options.optimize) {
      const parsed = parseBody(raw, provider.name, path);
      return passthrough(raw, typeof parsed === 'string' ? 'unknown' : parsed.model, 'disabled');
    }
    const started = performance.now();
    if (pool && (!pool.warm || raw.byteLength <= PRECHECK_MAX_BYTES)) {
      // A body with no block big enough to compress goes out at once, never queued behind another
      // session's compression; a worker counts its tokens for the ledger afterwards.
      const reading = prechecked.read(raw, provider.name, path);
      // Only a body whose next turn is checked here too is kept for it: a big one is checked only while
      // the workers start, and kept it would hold its megabyte and its parsed strings for nothing.
      if (raw.byteLength <= PRECHECK_MAX_BYTES) reading.remember();
      const { parsed } = reading;
      if (typeof parsed === 'string') return passthrough(raw, 'unknown', parsed);
      if (!mayCompress(parsed, precheck, provider.name)) {
        const counting = countWhole(job, () => reading.conversation);
        jobs.push(counting.catch(() => undefined));
        return passthrough(raw, parsed.model, 'nothing-to-compress', { counting });
      }
      // Only a block big enough to compress waits for the tokenizer, and is then compressed exactly as
      // it would have been on a warm proxy.
      if (!pool.warm && (await withDeadline(pool.warmUp(), WARM_UP_LIMIT_MS)) === DEADLINE) {
        return replayKnown(raw, job, 'timeout', started, jobs);
      }
    }
    const running = pool
      ? pool.run(job, conversationAffinity(raw))
      : runBodyJob(job, {
          compress,
          memo: mirror,
          store,
          ...(conversations ? { conversations } : {}),
          ...(persisted ? { persisted } : {}),
        });
    if (pool) running.then(learn, () => undefined);
    const finished = running.catch(() => undefined);
    jobs.push(finished);
    const settled = await withDeadline(finished, options.compressionTimeoutMs);
    if (settled === DEADLINE) return replayKnown(raw, job, 'timeout', started, jobs);
    if (settled === undefined) return replayKnown(raw, job, 'compression-error', started, jobs);
    return { ...settled.outcome, compressionMs: performance.now() - started };
  }

  return async function compressBody(raw, provider, path, contentEncoding) {
    const jobs: Promise<unknown>[] = [];
    const outcome = await decide(raw, provider, path, contentEncoding, jobs);
    return jobs.length === 0 ? outcome : { ...outcome, working: Promise.all(jobs) };
  };
}
