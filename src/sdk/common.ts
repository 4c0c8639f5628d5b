import { compressMessages } from '../compress/compress.js';
import { type BlockMemo, createBlockMemo } from '../compress/memo.js';
import type { CompressOptions } from '../compress/options.js';
import { RETRIEVE_TOOL, resolveOptions } from '../compress/resolve-options.js';
import { describeValue, HeadroomError, rejectUnknownKeys } from '../errors.js';
import { createMemoryStore, type RetrievalStore, type RetrievalStoreLimits } from '../store/memory-store.js';
import { tokenCounter } from '../tokens/count.js';
import { answerRetrieval, type RetrievalSource } from './retrieval-tool.js';
import { runSetupChecks, type SetupCheck, type SetupReport } from './validate-setup.js';
import type { RetrievalCall } from './wire/protocol.js';

/** How a wrapped client handles the `headroom_retrieve` tool. */
export interface RetrievalOptions {
  /** Most rounds of retrieval calls answered inside one non-streaming call. Default 3. */
  readonly maxRounds?: number;
  /** Longest answer in characters; longer originals come back in parts. Default 100,000. */
  readonly maxChars?: number;
  /** Limits of this client's store of originals. */
  readonly store?: RetrievalStoreLimits;
  /** Other places to look a hash up after this client's store, e.g. a `SharedContext`. */
  readonly sources?: readonly RetrievalSource[];
}

/** Options of `withHeadroom` and `headroomMiddleware`: the compression options plus retrieval. */
export interface HeadroomSdkOptions extends Omit<CompressOptions, 'model'> {
  /** Model whose tokenizer counts tokens. Default: the model of each request. */
  readonly model?: string;
  /**
   * `false` turns the `headroom_retrieve` tool off (then set `retrievalHint` to something your agent
   * can act on). Default: on, with the defaults of `RetrievalOptions`.
   */
  readonly retrieval?: RetrievalOptions | false;
}

/** Savings for one model. */
export interface ModelStats {
  /** Calls made through the wrapper (each call counts once, whatever its retrieval rounds or the SDK's retries). */
  readonly requests: number;
  /** Tokens of the conversations as the caller built them. */
  readonly tokensBefore: number;
  /** Tokens as sent: compressed, plus what headroom added (its tool definition, retrieval answers). */
  readonly tokensAfter: number;
  /** `tokensBefore - tokensAfter`; negative when headroom added more than it removed. */
  readonly tokensSaved: number;
}

/** A wrapped client's savings since it was created. */
export interface HeadroomStats extends ModelStats {
  /** Calls where at least one block was compressed. */
  readonly compressedRequests: number;
  /** Calls sent as they were because compression failed. */
  readonly failOpen: number;
  /** `headroom_retrieve` calls answered (inside non-streaming calls and on later requests). */
  readonly retrievals: number;
  readonly byModel: Readonly<Record<string, ModelStats>>;
}

/** What `client.headroom` (and `middleware.headroom`) offers. */
export interface HeadroomHandle {
  stats(): HeadroomStats;
  /** The original behind a marker's hash, from this client's store (or the configured sources). */
  retrieve(hash: string): string | undefined;
  /**
   * The tool result for a `headroom_retrieve` call's input (object or JSON string). For streaming
   * callers who answer tool calls themselves; leaving the call unanswered works too (see README).
   */
  answerRetrieval(input: unknown): string;
  /** `headroom_retrieve`: compare tool call names against it. */
  readonly toolName: typeof RETRIEVE_TOOL;
  /**
   * Checks, without sending anything to the provider, what this client needs: the tokenizer loads, the
   * store of originals works, and a request is recognised (a sample with a big tool output, or yours).
   */
  validateSetup(options?: ValidateSetupOptions): Promise<SetupReport>;
}

export interface ValidateSetupOptions {
  /**
   * A request as you send it (the body of `messages.create` / `chat.completions.create` /
   * `responses.create`, LangChain messages, an AI SDK prompt); it is only read. Default: a sample.
   */
  readonly request?: unknown;
}

/** An adapter's dry request: is `request` (or the adapter's sample, when undefined) recognised? */
export type DryRequest = (request: unknown, session: Session) => Promise<SetupCheck>;

/** A client that went through `withHeadroom`: the SDK's own type plus `headroom`. */
export type WithHeadroom<T> = T & { readonly headroom: HeadroomHandle };

export interface CompressedItems {
  readonly items: unknown[];
  /** True when at least one block was compressed (so a marker is in the conversation). */
  readonly compressed: boolean;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
}

/** One wrapped client's state: options, block memo, originals, stats. */
export interface Session {
  readonly handle: HeadroomHandle;
  readonly retrieval: boolean;
  readonly maxRounds: number;
  /** Compresses a conversation (messages, input items, or an adapter's shape of them). */
  compress(items: readonly unknown[], model: string): Promise<CompressedItems>;
  /** Compresses like `compress`, for a dry request: nothing stored, memoised or counted. */
  probe(items: readonly unknown[], model: string): Promise<CompressedItems>;
  /** Tokens of a text headroom adds to a request, for honest totals. */
  countAdded(text: string, model: string): Promise<number>;
  /**
   * Fills in the originals for the `headroom_retrieve` calls of a conversation, through the adapter's own
   * `answerCalls`: the conversation answered, the calls' ids, and the tokens the answers add.
   */
  fillRetrievals<T>(
    items: T,
    answerCalls: (items: T, answer: (call: RetrievalCall) => string) => T,
    model: string,
  ): Promise<{ readonly items: T; readonly ids: string[]; readonly tokens: number }>;
  /** One call: its tokens as built and as sent. */
  record(model: string, entry: { tokensBefore: number; tokensAfter: number; compressed: boolean }): void;
  /** One call sent as it was because compression failed. */
  recordFailOpen(model: string): void;
  /** Tokens headroom sent beyond a call's first request (retrieval rounds). */
  recordAdded(model: string, tokens: number): void;
  /** Retrieval calls answered; each call id counts once however often the conversation re-sends it. */
  recordRetrievals(ids: readonly string[]): void;
}

interface MutableStats {
  requests: number;
  tokensBefore: number;
  tokensAfter: number;
}

const DEFAULT_MAX_ROUNDS = 3;
const MAX_REMEMBERED_CALLS = 10_000;
const DEFAULT_MAX_CHARS = 100_000;
/** Tokenizer for requests whose model headroom cannot read (it only picks a tokenizer). */
const FALLBACK_MODEL = 'gpt-4o';

/** A count option (`retrieval.maxRounds`, `maxEntries`…): `fallback` when left out, else a positive integer. */
export function positiveIntOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `Expected the \`${name}\` option to be a positive integer, got ${describeValue(value)}.`,
      {
        fix: `Pass a positive integer as \`${name}\` or leave it out to use the default.`,
      },
    );
  }
  return value;
}

/**
 * Checked limits of a store of originals (`configureRetrieval(…)`, `retrieval.store`): a wrong or misspelt
 * limit would otherwise leave nothing retrievable (a negative `maxChars`) or nothing expiring (`ttlMs: '1h'`).
 */
export function storeLimitsOption(name: string, value: unknown): RetrievalStoreLimits {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `Expected \`${name}\` to be { maxChars?, ttlMs? }, got ${describeValue(value)}.`,
      { fix: `Pass e.g. { maxChars: 16 * 1024 * 1024, ttlMs: 3_600_000 } as \`${name}\`.` },
    );
  }
  rejectUnknownKeys(value, ['maxChars', 'ttlMs'], name);
  const { maxChars, ttlMs } = value as Record<string, unknown>;
  return {
    ...(maxChars === undefined ? {} : { maxChars: positiveIntOption(`${name}.maxChars`, maxChars, 0) }),
    ...(ttlMs === undefined ? {} : { ttlMs: positiveIntOption(`${name}.ttlMs`, ttlMs, 0) }),
  };
}

function totals(s: MutableStats): ModelStats {
  return {
    requests: s.requests,
    tokensBefore: s.tokensBefore,
    tokensAfter: s.tokensAfter,
    tokensSaved: s.tokensBefore - s.tokensAfter,
  };
}

const compressed = (result: Awaited<ReturnType<typeof compressMessages>>): CompressedItems => ({
  items: result.messages as unknown[],
  compressed: result.originals.size > 0,
  tokensBefore: result.tokensBefore,
  tokensAfter: result.tokensAfter,
});

const RETRIEVAL_KEYS = ['maxRounds', 'maxChars', 'store', 'sources'];

/** `retrieval` when it is not `false`: an object of known options, its sources able to retrieve. */
function retrievalOption(value: unknown): RetrievalOptions {
  const fix = `Pass \`retrieval: false\` or an object of ${RETRIEVAL_KEYS.join(', ')}.`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `Expected the \`retrieval\` option to be false or an object, got ${describeValue(value)}.`,
      { fix },
    );
  }
  rejectUnknownKeys(value, RETRIEVAL_KEYS, 'retrieval', fix);
  const { sources } = value as RetrievalOptions;
  if (
    sources !== undefined &&
    (!Array.isArray(sources) ||
      !sources.every((s) => typeof (s as { retrieve?: unknown } | null)?.retrieve === 'function'))
  ) {
    throw new HeadroomError(
      'INVALID_OPTION',
      'Expected `retrieval.sources` to be an array of objects with a `retrieve(hash)` method.',
      { fix: 'Pass e.g. `sources: [sharedContext]`.' },
    );
  }
  return value as RetrievalOptions;
}

/** Validates options where they enter (at wrap time, not on the first request) and builds the session. */
export function createSession(options: HeadroomSdkOptions, dryRequest: DryRequest): Session {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `Expected options to be an object, got ${describeValue(options)}.`,
      {
        fix: 'Pass e.g. { protectRecent: 2 }, or nothing for the defaults.',
      },
    );
  }
  const { retrieval = {}, model: modelOverride, ...compressOptions } = options;
  resolveOptions({ ...compressOptions, model: modelOverride ?? FALLBACK_MODEL });
  const retrievalOn = retrieval !== false;
  const r: RetrievalOptions = retrieval === false ? {} : retrievalOption(retrieval);
  const maxRounds = positiveIntOption('retrieval.maxRounds', r.maxRounds, DEFAULT_MAX_ROUNDS);
  const maxChars = positiveIntOption('retrieval.maxChars', r.maxChars, DEFAULT_MAX_CHARS);
  const store: RetrievalStore = createMemoryStore(storeLimitsOption('retrieval.store', r.store));
  const sources: RetrievalSource[] = [{ retrieve: (hash) => store.get(hash) }, ...(r.sources ?? [])];
  const memo: BlockMemo = createBlockMemo();
  const all: MutableStats = { requests: 0, tokensBefore: 0, tokensAfter: 0 };
  const byModel = new Map<string, MutableStats>();
  let compressedRequests = 0;
  let failOpen = 0;
  const answered = new Set<string>();
  let forgotten = 0;

  const tokenizerModel = (model: string) => modelOverride ?? (model.length > 0 ? model : FALLBACK_MODEL);
  const add = (model: string, requests: number, before: number, after: number) => {
    let m = byModel.get(model);
    if (!m) {
      m = { requests: 0, tokensBefore: 0, tokensAfter: 0 };
      byModel.set(model, m);
    }
    for (const s of [all, m]) {
      s.requests += requests;
      s.tokensBefore += before;
      s.tokensAfter += after;
    }
  };

  const handle: HeadroomHandle = {
    toolName: RETRIEVE_TOOL,
    stats: () => ({
      ...totals(all),
      compressedRequests,
      failOpen,
      retrievals: answered.size + forgotten,
      byModel: Object.fromEntries([...byModel].map(([k, v]) => [k, totals(v)])),
    }),
    retrieve(hash) {
      for (const source of sources) {
        const found = source.retrieve(hash);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    answerRetrieval: (input) => answerRetrieval(input, sources, maxChars),
    validateSetup: (setup = {}) =>
      runSetupChecks({
        countSample: async () => (await tokenCounter(tokenizerModel('')))('headroom validates its setup'),
        shape: () => dryRequest(setup.request, session),
      }),
  };

  const session: Session = {
    handle,
    retrieval: retrievalOn,
    maxRounds,
    async compress(items, model) {
      const result = await compressMessages(
        items,
        { ...compressOptions, model: tokenizerModel(model) },
        memo,
      );
      for (const [hash, original] of result.originals) store.put(hash, original);
      return compressed(result);
    },
    async probe(items, model) {
      return compressed(await compressMessages(items, { ...compressOptions, model: tokenizerModel(model) }));
    },
    async countAdded(text, model) {
      const count = await tokenCounter(tokenizerModel(model));
      return count(text);
    },
    async fillRetrievals(items, answerCalls, model) {
      const answers: string[] = [];
      const ids: string[] = [];
      const answered = answerCalls(items, (call) => {
        const answer = handle.answerRetrieval(call.input);
        answers.push(answer);
        ids.push(call.id);
        return answer;
      });
      return { items: answered, ids, tokens: await session.countAdded(answers.join(''), model) };
    },
    record(model, entry) {
      add(model, 1, entry.tokensBefore, entry.tokensAfter);
      if (entry.compressed) compressedRequests += 1;
    },
    recordFailOpen(model) {
      add(model, 1, 0, 0);
      failOpen += 1;
    },
    recordAdded(model, tokens) {
      add(model, 0, 0, tokens);
    },
    recordRetrievals(ids) {
      for (const id of ids) {
        if (answered.has(id)) continue;
        answered.add(id);
        // Bounded: old ids are forgotten but stay counted.
        if (answered.size > MAX_REMEMBERED_CALLS) {
          answered.delete(answered.values().next().value!);
          forgotten += 1;
        }
      }
    },
  };
  return session;
}

/**
 * Refuses a client `withHeadroom` already wrapped: wrapping it again would compress every request twice
 * under two sets of stats (and its `headroom` handle cannot be replaced).
 */
export function assertNotWrapped(client: object, sdk: string): void {
  if (!('headroom' in client)) return;
  throw new HeadroomError('INVALID_INPUT', `This ${sdk} client is already wrapped with withHeadroom.`, {
    fix: 'Use the wrapped client as it is (client.headroom has its stats), or wrap the original client.',
  });
}

/**
 * Gives a client clone its `headroom` handle, and makes its `withOptions` clones keep both headroom and
 * the handle. Only the clone headroom made is changed, never the caller's client.
 */
export function attachHandle<C extends { withOptions(options: never): C }, O>(
  client: C,
  handle: HeadroomHandle,
  keep: (options: O) => O,
): WithHeadroom<C> {
  const original = client.withOptions as unknown as (this: C, options: O) => C;
  Object.defineProperty(client, 'headroom', { value: handle, enumerable: false });
  Object.defineProperty(client, 'withOptions', {
    value: function withOptions(this: C, options: O): WithHeadroom<C> {
      return attachHandle(original.call(this, keep(options)), handle, keep);
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return client as WithHeadroom<C>;
}
