import { compressMessages } from './compress/compress.js';
import type { CompressOptions } from './compress/options.js';
import type { CompressResult } from './compress/result.js';
import { storeLimitsOption } from './sdk/common.js';
import { createMemoryStore, type RetrievalStore, type RetrievalStoreLimits } from './store/memory-store.js';

let store: RetrievalStore = createMemoryStore();

/**
 * Compresses the tool outputs in a conversation and returns it in the same shape, with fewer tokens.
 * Everything dropped stays retrievable with `retrieve(hash)` for as long as the store keeps it.
 *
 * @example
 * const result = await compress(messages, { model: 'gpt-4o' });
 * await openai.chat.completions.create({ model: 'gpt-4o', messages: result.messages });
 */
export async function compress<M>(messages: M, options: CompressOptions): Promise<CompressResult<M>> {
  const { originals, ...result } = await compressMessages(messages, options);
  for (const [hash, original] of originals) store.put(hash, original);
  return result;
}

/** Estimates what `compress` would do, block by block, without changing or storing anything. */
export async function simulate<M>(
  messages: M,
  options: CompressOptions,
): Promise<Omit<CompressResult<M>, 'messages'>> {
  const { originals: _originals, messages: _messages, ...report } = await compressMessages(messages, options);
  return report;
}

/**
 * The original text behind a marker's `hash=…`, byte for byte, or undefined once it has been evicted.
 *
 * @example
 * const original = retrieve('9f2c1a7b3e4d');
 */
export function retrieve(hash: string): string | undefined {
  return store.get(hash);
}

/** Replaces the in-process retrieval store with one of other limits (what it held is dropped). */
export function configureRetrieval(limits: RetrievalStoreLimits): void {
  store = createMemoryStore(storeLimitsOption('configureRetrieval', limits));
}
