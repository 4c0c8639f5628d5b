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
}

/** An in-memory LRU memo bounded by the characters it holds (default 64 MB of text). */
export function createBlockMemo(maxChars = 64 * 1024 * 1024): BlockMemo {
  const entries = new Map<string, MemoEntry>();
  const counts = new Map<string, number>();
  let chars = 0;
  const size = (e: MemoEntry) => (e.text?.length ?? 0) + 64;
  return {
    get(key) {
      const entry = entries.get(key);
      if (entry) {
        entries.delete(key);
        entries.set(key, entry);
      }
      return entry;
    },
    set(key, entry) {
      const old = entries.get(key);
      if (old) chars -= size(old);
      entries.delete(key);
      entries.set(key, entry);
      chars += size(entry);
      for (const [k, e] of entries) {
        if (chars <= maxChars) break;
        entries.delete(k);
        chars -= size(e);
      }
    },
    getCount: (key) => counts.get(key),
    setCount(key, tokens) {
      counts.set(key, tokens);
      if (counts.size > 200_000) counts.delete(counts.keys().next().value!);
    },
  };
}
