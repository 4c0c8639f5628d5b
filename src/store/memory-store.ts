/** Limits of an in-memory retrieval store. */
export interface RetrievalStoreLimits {
  /** Most characters of originals held; the oldest are evicted first. Default 64 Mi characters. */
  readonly maxChars?: number;
  /** How long an original stays retrievable, ms. Default 24 hours. */
  readonly ttlMs?: number;
}

export interface RetrievalStore {
  put(hash: string, original: string): void;
  get(hash: string): string | undefined;
  readonly size: number;
}

interface Held {
  readonly text: string;
  readonly expires: number;
}

/** Originals of compressed blocks, bounded by size and age, so `retrieve(hash)` can give them back. */
export function createMemoryStore(
  limits: RetrievalStoreLimits = {},
  now: () => number = Date.now,
): RetrievalStore {
  const maxChars = limits.maxChars ?? 64 * 1024 * 1024;
  const ttlMs = limits.ttlMs ?? 24 * 60 * 60 * 1000;
  const held = new Map<string, Held>();
  let chars = 0;
  const drop = (hash: string, item: Held) => {
    held.delete(hash);
    chars -= item.text.length;
  };
  return {
    put(hash, original) {
      const old = held.get(hash);
      if (old) drop(hash, old);
      if (original.length > maxChars) return;
      held.set(hash, { text: original, expires: now() + ttlMs });
      chars += original.length;
      for (const [h, item] of held) {
        if (chars <= maxChars) break;
        drop(h, item);
      }
    },
    get(hash) {
      const item = held.get(hash);
      if (!item) return undefined;
      if (item.expires <= now()) {
        drop(hash, item);
        return undefined;
      }
      return item.text;
    },
    get size() {
      return held.size;
    },
  };
}
