import { performance } from 'node:perf_hooks';
import { type compressMessages, countRequestTokens } from '../compress/compress.js';
import type { BlockMemo } from '../compress/memo.js';
import type { CompressOptions } from '../compress/options.js';
import { HeadroomError } from '../errors.js';
import type { FileStore } from '../store/file-store.js';
import { diffJson, spliceJson } from './json-splice.js';
import type { ResolvedProxyOptions } from './options.js';
import { createPersistedOutputs } from './persisted-output.js';
import type { Provider } from './providers/provider.js';

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
  readonly passthroughReason?: string;
}

export type CompressFn = typeof compressMessages;

export interface BodyCompressorDeps {
  readonly options: ResolvedProxyOptions;
  readonly compress: CompressFn;
  readonly memo: BlockMemo;
  readonly store: FileStore;
  /** Resolves when the tokenizer is loaded; started with the proxy because loading it takes seconds. */
  readonly ready: Promise<unknown>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Timeout extends Error {}

function failureReason(error: unknown): string {
  if (error instanceof Timeout) return 'timeout';
  if (error instanceof HeadroomError && (error.code === 'UNKNOWN_SHAPE' || error.code === 'INVALID_INPUT')) {
    return 'unknown-shape';
  }
  return 'compression-error';
}

function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Timeout());
    }, ms);
  });
  return Promise.race([work(controller.signal), deadline]).finally(() => clearTimeout(timer));
}

/**
 * Decides the upstream body of a model call. Every failure is a passthrough with a reason: the request
 * must never break because of headroom. Originals are written to the file store before the compressed
 * body is released, so a marker never names a file that is not there yet.
 */
export function createBodyCompressor(deps: BodyCompressorDeps) {
  const { options, compress, memo, store } = deps;
  let warm = false;
  const ready = deps.ready.then(
    () => {
      warm = true;
    },
    () => {
      warm = true;
    },
  );
  // Markers name the file the agent's own Read/Bash tool can open (design note §4).
  const { retrievalHint } = store;
  // Claude budget mode: saved Bash outputs next to the agent, read safely and handed to the core.
  const persisted =
    options.compress.claudeBudget && options.claudeConfigDir
      ? createPersistedOutputs(options.claudeConfigDir)
      : undefined;

  return async function compressBody(
    raw: Uint8Array,
    provider: Provider,
    path: string,
    contentEncoding: string | undefined,
  ): Promise<BodyOutcome> {
    let model = 'unknown';
    const pass = (reason: string, extra: Partial<BodyOutcome> = {}): BodyOutcome => ({
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

    const encoding = contentEncoding?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') return pass('encoded-body');
    let body: unknown;
    try {
      body = JSON.parse(utf8.decode(raw));
    } catch {
      return pass('unparseable-body');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return pass('unknown-shape');
    const fields = body as Record<string, unknown>;
    if (typeof fields.model === 'string' && fields.model !== '') model = fields.model;
    if (!options.optimize) return pass('disabled');
    const target = provider.target(path, fields);
    if ('reason' in target) return pass(target.reason);
    if (target.messages.length === 0) return pass('nothing-to-compress');
    // Tokenizer loading is a one-off cost at start, kept out of the compression deadline but bounded too.
    if (!warm) {
      try {
        await withDeadline(() => ready, options.compressionTimeoutMs);
      } catch {
        return pass('warming-up');
      }
    }

    const persistedOutputs =
      provider.name === 'anthropic' ? await persisted?.resolve(target.messages) : undefined;
    const compressOptions: CompressOptions = {
      ...options.compress,
      ...(persistedOutputs ? { persistedOutputs } : {}),
      model,
      // The proxy never touches instructions: system prompts are followed word for word and cached.
      compressSystemMessages: false,
      retrievalHint,
    };
    const started = performance.now();
    let result: Awaited<ReturnType<CompressFn>>;
    try {
      result = await withDeadline(
        (signal) => compress(target.messages, compressOptions, memo, signal),
        options.compressionTimeoutMs,
      );
    } catch (error) {
      const compressionMs = performance.now() - started;
      return pass(failureReason(error), { compressionMs });
    }
    // Whole requests are counted: system prompt and tool definitions go out as they came, but are billed.
    const rest = await countRequestTokens(
      { ...fields, [target.field]: undefined, model: undefined },
      model,
      memo,
    );
    result = { ...result, tokensBefore: result.tokensBefore + rest, tokensAfter: result.tokensAfter + rest };
    const compressionMs = performance.now() - started;
    // The core yields between big blocks; a single huge block can still overrun, so check after the fact too.
    if (compressionMs > options.compressionTimeoutMs) return pass('timeout', { compressionMs });
    const counted = { tokensBefore: result.tokensBefore, tokensAfter: result.tokensBefore, compressionMs };
    // A saved Bash output shown in view adds tokens yet is a change to send (Claude budget mode).
    if (result.transformsApplied.length === 0) return pass('nothing-to-compress', counted);

    const changes = diffJson(target.messages, result.messages, [target.field]);
    if (changes.length === 0) return pass('nothing-to-compress', counted);
    const spliced = spliceJson(raw, changes);
    if (!spliced) return pass('splice-failed', counted);
    try {
      await store.putAll(result.originals);
    } catch {
      return pass('store-error', counted);
    }
    return {
      body: spliced,
      model,
      tokensBefore: result.tokensBefore,
      tokensAfter: result.tokensAfter,
      tokensSaved: result.tokensSaved,
      transforms: result.transformsApplied,
      compressionMs: performance.now() - started,
    };
  };
}

export type BodyCompressor = ReturnType<typeof createBodyCompressor>;
