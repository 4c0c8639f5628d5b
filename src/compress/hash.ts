import { createHash } from 'node:crypto';

/** Length of the hex content hash shown in markers: short to read, 48 bits against collisions. */
const HASH_CHARS = 12;

/** The content hash that names an original in markers and in the retrieval stores. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_CHARS);
}

/** A key for memoising a decision: the block plus everything the decision depends on. */
export function memoKey(parts: readonly string[]): string {
  // One update of the joined parts hashes the same bytes as one per piece (each part follows its ASCII
  // length, so no surrogate pair forms across parts), at half the cost: the core keys every block per turn.
  let joined = '';
  for (const part of parts) joined += `${part.length}:${part}`;
  return createHash('sha256').update(joined).digest('base64url');
}
