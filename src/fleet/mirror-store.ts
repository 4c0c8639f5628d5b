import { LRUCache } from 'lru-cache';
import { type FileStore, isValidHash, storedBytes } from '../store/file-store.js';
import { decodeText } from '../store/wtf8.js';
import type { FleetRedis } from './redis-connection.js';

/** A block re-sent every turn has its Redis TTL refreshed now and then, not on every request. */
const REFRESH_INTERVAL_MS = 60_000;
/** Hashes whose Redis copy this replica remembers writing (an entry is a few dozen bytes). */
const MAX_REMEMBERED = 100_000;
/** Originals whose copy failed, remembered (oldest forgotten first) to be copied when Redis is back. */
const MAX_MISSED = 10_000;

/** The Redis key of an original: the same hash the marker names, under the fleet's prefix. */
export const originalKey = (prefix: string, hash: string): string => `${prefix}ccr:${hash}`;

/**
 * The file store, with every original also written to the fleet's Redis (the same bytes, under the same
 * hash, kept for the store's TTL since last use) and read back from there when this replica does not hold
 * it: a marker made on one replica is redeemable on any other.
 *
 * Redis is a copy, never a condition: an original is on local disk before the marker goes out whatever
 * Redis does, a Redis write that fails or runs late (see `FLEET_OP_TIMEOUT_MS`) only delays the copy: the
 * failure is recorded in the connection's state, and the original is copied from local disk once the
 * connection is ready again (while this store's process or worker thread still runs).
 */
export function withFleetCopy(local: FileStore, redis: FleetRedis, ttlMs: number): FileStore {
  const copied = new LRUCache<string, number>({ max: MAX_REMEMBERED });
  const missed = new Set<string>();
  let catchingUp = false;

  /** `bytes` is asked for only when no replica holds the original yet. */
  async function copyOne(hash: string, bytes: () => Buffer): Promise<void> {
    const at = Date.now();
    const last = copied.get(hash);
    if (last !== undefined && at - last < REFRESH_INTERVAL_MS) return;
    const key = originalKey(redis.prefix, hash);
    await redis.use(async (client) => {
      // Another replica may hold it already: then only its TTL is refreshed, and no bytes travel.
      const refreshed = await client.pexpire(key, ttlMs);
      if (refreshed === 0) await client.set(key, bytes(), 'PX', ttlMs);
    });
    copied.set(hash, at);
  }

  function miss(hash: string): void {
    missed.delete(hash);
    missed.add(hash);
    if (missed.size > MAX_MISSED) missed.delete(missed.values().next().value!);
  }

  /** Copies what failed meanwhile, oldest first, from local disk; stops at the first failure. */
  async function catchUp(): Promise<void> {
    for (const hash of [...missed]) {
      const bytes = await local.readBytes(hash).catch(() => undefined);
      if (bytes !== undefined) {
        try {
          await copyOne(hash, () => bytes);
        } catch {
          return;
        }
      }
      missed.delete(hash);
    }
  }
  const startCatchUp = (): void => {
    if (catchingUp) return;
    catchingUp = true;
    void catchUp().finally(() => {
      catchingUp = false;
    });
  };
  // When the connection is back, and when a copy succeeds again after a slow spell (it stayed connected).
  redis.onReady(startCatchUp);

  async function readBytes(hash: string): Promise<Buffer | undefined> {
    const held = await local.readBytes(hash);
    if (held !== undefined || !isValidHash(hash)) return held;
    // Unreachable Redis reads as not held (the failure is in the connection's state).
    const bytes = await redis
      .use((client) => client.getBuffer(originalKey(redis.prefix, hash)))
      .catch(() => null);
    if (bytes === null) return undefined;
    // Kept here too, so the file the marker names exists on this machine from now on.
    void local.putAll(new Map([[hash, decodeText(bytes)]]), new Map([[hash, bytes]])).catch(() => undefined);
    return bytes;
  }

  return {
    dir: local.dir,
    retrievalHint: local.retrievalHint,
    pathFor: (hash) => local.pathFor(hash),
    async putAll(originals, sources) {
      await local.putAll(originals, sources);
      await Promise.all(
        [...originals].map(([hash, text]) =>
          copyOne(hash, () => storedBytes(text, sources?.get(hash))).then(
            () => {
              missed.delete(hash);
              if (missed.size > 0) startCatchUp();
            },
            () => miss(hash),
          ),
        ),
      );
    },
    readBytes,
    async read(hash) {
      const bytes = await readBytes(hash);
      return bytes === undefined ? undefined : decodeText(bytes);
    },
    prune: () => local.prune(),
  };
}
