import { type BpeTable, hashBytes, lookup } from './bpe-table.js';

/** Above every rank: "this pair is no token". */
const NO_RANK = 0x7fffffff;

/**
 * Counts tokens the way gpt-tokenizer's `countTokens(text, { disallowedSpecial: new Set() })` does,
 * over a table from `bpe-table.ts`: split with the encoding's own regex; a piece that is a token
 * counts 1; any other piece is merged byte-level, repeatedly joining the adjacent pair of parts
 * with the lowest rank (the leftmost on a tie), and counts its parts. Special-token text such as
 * `<|endoftext|>` is ordinary text here, as it is there with no special token allowed.
 */
export function bpeCounter(table: BpeTable): (text: string) => number {
  const pattern = new RegExp(table.header.pattern, table.header.flags);
  // Scratch space reused across pieces, grown on demand: the piece's UTF-8 bytes, and the merge's
  // part boundaries and pair ranks.
  let bytes = new Uint8Array(256);
  let starts = new Int32Array(257);
  let ranks = new Int32Array(257);
  let wellFormed = true;

  /** Writes a piece's UTF-8 into `bytes` as TextEncoder does (a lone surrogate becomes U+FFFD). */
  function encodePiece(piece: string): number {
    if (bytes.length < piece.length * 3) bytes = new Uint8Array(piece.length * 6);
    wellFormed = true;
    let n = 0;
    for (let i = 0; i < piece.length; i++) {
      let c = piece.charCodeAt(i);
      if (c < 0x80) {
        bytes[n++] = c;
      } else if (c < 0x800) {
        bytes[n++] = 0xc0 | (c >> 6);
        bytes[n++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = i + 1 < piece.length ? piece.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            bytes[n++] = 0xf0 | (cp >> 18);
            bytes[n++] = 0x80 | ((cp >> 12) & 0x3f);
            bytes[n++] = 0x80 | ((cp >> 6) & 0x3f);
            bytes[n++] = 0x80 | (cp & 0x3f);
            i++;
            continue;
          }
          wellFormed = false;
          c = 0xfffd;
        }
        bytes[n++] = 0xe0 | (c >> 12);
        bytes[n++] = 0x80 | ((c >> 6) & 0x3f);
        bytes[n++] = 0x80 | (c & 0x3f);
      }
    }
    return n;
  }

  function rankOf(start: number, end: number): number {
    const rank = lookup(table, bytes, start, end, hashBytes(bytes, start, end));
    return rank < 0 ? NO_RANK : rank;
  }

  /** The number of parts BPE leaves of `bytes[0, n)`: gpt-tokenizer's `bytePairMerge`, on typed arrays. */
  function mergedParts(n: number): number {
    if (starts.length < n + 1) {
      starts = new Int32Array(2 * (n + 1));
      ranks = new Int32Array(2 * (n + 1));
    }
    let parts = n + 1; // boundaries: parts - 1 parts
    for (let i = 0; i <= n; i++) {
      starts[i] = i;
      ranks[i] = i < n - 1 ? rankOf(i, i + 2) : NO_RANK;
    }
    while (parts > 1) {
      let lowest = NO_RANK;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        const rank = ranks[i] as number;
        if (rank < lowest) {
          lowest = rank;
          at = i;
        }
      }
      if (at === -1) break;
      starts.copyWithin(at + 1, at + 2, parts);
      ranks.copyWithin(at, at + 1, parts);
      parts--;
      ranks[at] = at + 2 < parts ? rankOf(starts[at] as number, starts[at + 2] as number) : NO_RANK;
      if (at > 0) ranks[at - 1] = rankOf(starts[at - 1] as number, starts[at + 1] as number);
    }
    return parts - 1;
  }

  function countPiece(piece: string): number {
    const n = encodePiece(piece);
    // gpt-tokenizer looks a whole piece up as a string, which no ill-formed piece can match.
    if (wellFormed && lookup(table, bytes, 0, n, hashBytes(bytes, 0, n)) >= 0) return 1;
    return mergedParts(n);
  }

  return (text) => {
    let total = 0;
    for (const match of text.matchAll(pattern)) total += countPiece(match[0]);
    return total;
  };
}
