import { createHash } from 'node:crypto';

/** Length of the hex content hash shown in markers: short to read, 48 bits against collisions. */
const HASH_CHARS = 12;

/** The content hash that names an original in markers and in the retrieval stores. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_CHARS);
}

/** A key for memoising a decision: the block plus everything the decision depends on. */
export function memoKey(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(`${part.length}:`).update(part);
  return h.digest('base64url');
}
