import { LRUCache } from 'lru-cache';
import { memoKey } from './hash.js';

/** A remembered decision for one block, so a block re-sent on every turn is compressed once. */
export interface MemoEntry {
  /** The compressed text, or undefined when the block was left as it was. */
  readonly text: string | undefined;
  readonly kind: string | undefined;
  readonly transform: string | undefined;
  readonly hash: string | undefined;
  readonly action: string;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
}

/**
 * Where the core may remember block decisions and token counts across calls (the proxy keeps one for
 * its lifetime). Keys already include everything a value depends on, so any map-like store is correct.
 */
export interface BlockMemo {
  get(key: string): MemoEntry | undefined;
  set(key: string, entry: MemoEntry): void;
  getCount(key: string): number | undefined;
  setCount(key: string, tokens: number): void;
  /**
   * The content digest of a big text (`memoKey([text])`), remembered by the text itself: looking a string
   * up costs a fraction of hashing it, and agents re-send every block on every turn.
   */
  digest?(text: string): string;
  /** The token count of a short text for a model, remembered by the text itself. */
  countShort?(model: string, text: string, count: (text: string) => number): number;
  /** Every decision held, least recently used first (to hand a memo's decisions to another). */
  decisions?(): [string, MemoEntry][];
}

/**
 * Heap bytes an entry costs beyond its strings, measured with `--expose-gc` over 100,000 entries
 * (lru-cache node, entry object, key string header): ~190 B. Counted so a memo of small decisions
 * cannot grow far past its bound, as a 64 B guess let it (230 MB at a "64 MB" limit).
 */
const ENTRY_OVERHEAD_BYTES = 190;
/** A token count costs its key and a cache node, nothing else. */
const COUNT_OVERHEAD_BYTES = 120;

/** V8 stores a string with one byte per character unless one of them is beyond Latin-1. */
export function stringBytes(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the Latin-1 range is the point.
  return /[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length;
}

/** The default bound: 64 MB of heap for decisions; a quarter of that for digests, a sixteenth each for counts. */
export const DEFAULT_MEMO_BYTES = 64 * 1024 * 1024;

/**
 * An in-memory LRU memo bounded by the heap bytes it really holds (default 64 MB), with O(1)
 * eviction. A single entry bigger than the bound is not kept.
 */
export function createBlockMemo(maxBytes = DEFAULT_MEMO_BYTES): BlockMemo {
  const entries = new LRUCache<string, MemoEntry>({
    maxSize: maxBytes,
    sizeCalculation: (entry, key) =>
      ENTRY_OVERHEAD_BYTES + key.length + (entry.text === undefined ? 0 : stringBytes(entry.text)),
  });
  const counts = new LRUCache<string, number>({
    maxSize: Math.max(1024, Math.floor(maxBytes / 16)),
    sizeCalculation: (_tokens, key) => COUNT_OVERHEAD_BYTES + key.length,
  });
  const digests = new LRUCache<string, string>({
    maxSize: Math.max(1024, Math.floor(maxBytes / 4)),
    sizeCalculation: (digest, text) => COUNT_OVERHEAD_BYTES + digest.length + stringBytes(text),
  });
  const shortCounts = new LRUCache<string, number>({
    maxSize: Math.max(1024, Math.floor(maxBytes / 16)),
    sizeCalculation: (_tokens, key) => COUNT_OVERHEAD_BYTES + stringBytes(key),
  });
  return {
    digest(text) {
      let digest = digests.get(text);
      if (digest === undefined) {
        digest = memoKey([text]);
        digests.set(text, digest);
      }
      return digest;
    },
    countShort(model, text, count) {
      const key = `${model}\u0000${text}`;
      let tokens = shortCounts.get(key);
      if (tokens === undefined) {
        tokens = count(text);
        shortCounts.set(key, tokens);
      }
      return tokens;
    },
    decisions: () => [...entries.rentries()] as [string, MemoEntry][],
    get: (key) => entries.get(key),
    set(key, entry) {
      entries.set(key, entry);
    },
    getCount: (key) => counts.get(key),
    setCount(key, tokens) {
      counts.set(key, tokens);
    },
  };
}
