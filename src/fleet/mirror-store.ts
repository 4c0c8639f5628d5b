import { LRUCache } from 'lru-cache';
import { type FileStore, isValidHash, storedBytes } from '../store/file-store.js';
import { decodeText } from '../store/wtf8.js';
import type { FleetRedis } from './redis-connection.js';

/** A block re-sent every turn has its Redis TTL refreshed now and then, not on every request. */
const REFRESH_INTERVAL_MS = 60_000;
/** Hashes whose Redis copy this replica remembers writing (an entry is a few dozen bytes). */
const MAX_REMEMBERED = 100_000;

/** The Redis key of an original: the same hash the marker names, under the fleet's prefix. */
export const originalKey = (prefix: string, hash: string): string => `${prefix}ccr:${hash}`;

/**
 * The file store, with every original also written to the fleet's Redis (the same bytes, under the same
 * hash, kept for the store's TTL since last use) and read back from there when this replica does not hold
 * it: a marker made on one replica is redeemable on any other.
 *
 * Redis is a copy, never a condition: an original is on local disk before the marker goes out whatever
 * Redis does, a Redis write that fails or runs late (see `FLEET_OP_TIMEOUT_MS`) costs only the copy, and
 * the failure is recorded in the connection's state.
 */
export function withFleetCopy(local: FileStore, redis: FleetRedis, ttlMs: number): FileStore {
  const copied = new LRUCache<string, number>({ max: MAX_REMEMBERED });

  async function copyOne(hash: string, text: string, source: Buffer | undefined): Promise<void> {
    const at = Date.now();
    const last = copied.get(hash);
    if (last !== undefined && at - last < REFRESH_INTERVAL_MS) return;
    const key = originalKey(redis.prefix, hash);
    await redis.use(async (client) => {
      // Another replica may hold it already: then only its TTL is refreshed, and no bytes travel.
      const refreshed = await client.pexpire(key, ttlMs);
      if (refreshed === 0) await client.set(key, storedBytes(text, source), 'PX', ttlMs);
    });
    copied.set(hash, at);
  }

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
        [...originals].map(([hash, text]) => copyOne(hash, text, sources?.get(hash)).catch(() => undefined)),
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
