import { type BpeTable, FNV_OFFSET, FNV_PRIME, finishHash, hashBytes, lookup } from './bpe-table.js';
import { NOT_ASCII, O200K_PATTERN, o200kPieceEnd } from './o200k-split.js';
import { splitter } from './split-pattern.js';

/** Above every rank: "this pair is no token". */
const NO_RANK = 0x7fffffff;

/**
 * Pieces of at most this many UTF-16 units are remembered with their counts. V8 copies substrings this
 * short (longer ones may be views that keep the whole text alive), so the memo never pins a big text;
 * at most KNOWN_PIECES of them (~1-2 MB), forgotten all at once when full.
 */
const KNOWN_PIECE_CHARS = 12;
const KNOWN_PIECES = 16_384;

/**
 * Counts tokens the way gpt-tokenizer's `countTokens(text, { disallowedSpecial: new Set() })` does,
 * over a table from `bpe-table.ts`: split with the encoding's own regex; a piece that is a token
 * counts 1; any other piece is merged byte-level, repeatedly joining the adjacent pair of parts
 * with the lowest rank (the leftmost on a tie), and counts its parts. Special-token text such as
 * `<|endoftext|>` is ordinary text here, as it is there with no special token allowed.
 */
export function bpeCounter(table: BpeTable): (text: string) => number {
  const { pattern, flags, propertyRanges } = table.header;
  // Scratch space reused across pieces, grown on demand: the piece's UTF-8 bytes, and the merge's
  // part boundaries and pair ranks.
  let bytes = new Uint8Array(256);
  let starts = new Int32Array(257);
  let ranks = new Int32Array(257);
  let wellFormed = true;
  let pieceHash = 0;

  /**
   * Writes a piece's UTF-8 into `bytes` as TextEncoder does (a lone surrogate becomes U+FFFD), hashing
   * it on the way (`hashBytes`, inlined: this loop runs for every piece, mostly before V8 optimises it).
   */
  function encodePiece(piece: string): number {
    if (bytes.length < piece.length * 3) bytes = new Uint8Array(piece.length * 6);
    const out = bytes;
    wellFormed = true;
    let n = 0;
    let h = FNV_OFFSET;
    for (let i = 0; i < piece.length; i++) {
      let c = piece.charCodeAt(i);
      if (c < 0x80) {
        out[n++] = c;
        h = Math.imul(h ^ c, FNV_PRIME);
        continue;
      }
      const from = n;
      if (c < 0x800) {
        out[n++] = 0xc0 | (c >> 6);
        out[n++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < piece.length ? piece.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          out[n++] = 0xf0 | (cp >> 18);
          out[n++] = 0x80 | ((cp >> 12) & 0x3f);
          out[n++] = 0x80 | ((cp >> 6) & 0x3f);
          out[n++] = 0x80 | (cp & 0x3f);
          i++;
        } else {
          wellFormed = false;
          c = 0xfffd;
          out[n++] = 0xe0 | (c >> 12);
          out[n++] = 0x80 | ((c >> 6) & 0x3f);
          out[n++] = 0x80 | (c & 0x3f);
        }
      } else {
        out[n++] = 0xe0 | (c >> 12);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      }
      for (let j = from; j < n; j++) h = Math.imul(h ^ (out[j] as number), FNV_PRIME);
    }
    pieceHash = finishHash(h);
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
    if (wellFormed && lookup(table, bytes, 0, n, pieceHash) >= 0) return 1;
    return mergedParts(n);
  }

  // Tool output repeats its pieces (a 3 KB test log: 890 pieces, 78 distinct), and a native Map lookup
  // beats encoding and hashing the piece in JS, above all before V8 has optimised this code. (An ASCII
  // piece from the o200k splitter is one token in most cases, looked up with no string made for it.)
  const known = new Map<string, number>();
  const countKnown = (piece: string): number => {
    if (piece.length > KNOWN_PIECE_CHARS) return countPiece(piece);
    let count = known.get(piece);
    if (count === undefined) {
      count = countPiece(piece);
      if (known.size >= KNOWN_PIECES) known.clear();
      known.set(piece, count);
    }
    return count;
  };

  // Every ASCII character is a token of its own (true of o200k and cl100k; checked, not assumed), and
  // the count of each two-character ASCII piece is learned once (0: not yet).
  let asciiTokens = true;
  for (let c = 0; c < 128; c++) {
    bytes[0] = c;
    if (lookup(table, bytes, 0, 1, hashBytes(bytes, 0, 1)) < 0) asciiTokens = false;
  }
  const pairCounts = new Uint8Array(128 * 128);

  /**
   * The tokens of `text[start, end)`, all ASCII: its bytes are its characters, hashed as they are
   * copied. Most such pieces are one token, found in the table with no string made for them.
   */
  function countAscii(text: string, start: number, end: number): number {
    const n = end - start;
    // Half the pieces of tool output are one or two characters: counted from small tables, not hashed.
    if (n === 1 && asciiTokens) return 1;
    if (n === 2) {
      const pair = (text.charCodeAt(start) << 7) | text.charCodeAt(start + 1);
      let count = pairCounts[pair] as number;
      if (count === 0) {
        count = countPiece(text.slice(start, end));
        pairCounts[pair] = count;
      }
      return count;
    }
    if (bytes.length < n) bytes = new Uint8Array(n * 2);
    const out = bytes;
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(start + i);
      out[i] = c;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    if (lookup(table, out, 0, n, finishHash(h)) >= 0) return 1;
    return countKnown(text.slice(start, end));
  }

  if (pattern === O200K_PATTERN && flags === 'gu') {
    // Pieces that hang on a character past ASCII are left to the regex (restricted to the text's own
    // characters, made when the text has one), anchored where they start.
    const stickyFor = splitter(pattern, 'guy', propertyRanges);
    return (text) => {
      let total = 0;
      let sticky: RegExp | undefined;
      for (let p = 0; p < text.length; ) {
        const end = o200kPieceEnd(text, p);
        if (end !== NOT_ASCII) {
          total += countAscii(text, p, end);
          p = end;
          continue;
        }
        sticky ??= stickyFor(text);
        sticky.lastIndex = p;
        const piece = (sticky.exec(text) as RegExpExecArray)[0];
        total += countKnown(piece);
        p += piece.length;
      }
      return total;
    };
  }
  const splitterFor = splitter(pattern, flags, propertyRanges);
  return (text) => {
    let total = 0;
    for (const match of text.matchAll(splitterFor(text))) total += countKnown(match[0]);
    return total;
  };
}
