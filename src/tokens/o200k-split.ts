/**
 * o200k's pre-tokenisation regex, run by hand over ASCII. `text.matchAll(regex)` costs a match object
 * per piece (a tenth of a fresh conversation's compression went to it and to hashing the pieces as Map
 * keys); this finds the same pieces as index ranges. Where the next piece depends on a character past
 * ASCII (a letter, a digit or a space in another script may extend it), the regex itself takes that piece.
 */

/** The pattern this splitter reproduces (gpt-tokenizer's o200k_base, flags `gu`). */
export const O200K_PATTERN =
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** ASCII classes as the pattern sees them. */
const OTHER = 0; // not a space, letter or digit
const UPPER = 1;
const LOWER = 2;
const DIGIT = 3;
const SPACE = 4; // \t \v \f and the space: `\s` but not a line break
const BREAK = 5; // \r \n
const END = 6; // past the text

const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 0x41 && c <= 0x5a) CLASS[c] = UPPER;
  else if (c >= 0x61 && c <= 0x7a) CLASS[c] = LOWER;
  else if (c >= 0x30 && c <= 0x39) CLASS[c] = DIGIT;
  else if (c === 0x0a || c === 0x0d) CLASS[c] = BREAK;
  else if (c === 0x09 || c === 0x0b || c === 0x0c || c === 0x20) CLASS[c] = SPACE;
  else CLASS[c] = OTHER;
}

/** Returned when the piece depends on a character past ASCII: the caller runs the regex there. */
export const NOT_ASCII = -1;

/**
 * Where the piece the o200k pattern matches at `p` ends, or NOT_ASCII. Every character starts a match
 * of some branch, so pieces follow one another with no gap: the caller goes on from the returned end.
 */
export function o200kPieceEnd(text: string, p: number): number {
  const length = text.length;
  const c = text.charCodeAt(p);
  if (c >= 128) return NOT_ASCII;
  const kind = CLASS[c]!;
  if (kind === UPPER || kind === LOWER) return wordEnd(text, p);
  // \p{N}{1,3}
  if (kind === DIGIT) return runEnd(text, p + 1, DIGIT, Math.min(length, p + 3));
  const next = p + 1 < length ? text.charCodeAt(p + 1) : -1;
  if (next >= 128) return NOT_ASCII;
  const nextKind = next < 0 ? END : CLASS[next]!;
  // [^\r\n\p{L}\p{N}]? before a word
  if (kind !== BREAK && (nextKind === UPPER || nextKind === LOWER)) return wordEnd(text, p + 1);
  // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
  if (kind === OTHER) return symbolsEnd(text, p + 1);
  if (c === 0x20 && nextKind === OTHER) return symbolsEnd(text, p + 2);
  return spacesEnd(text, p);
}

/**
 * Where the run of ASCII characters of class `kind` from `q` ends (at `limit` at most), or NOT_ASCII
 * when a character past ASCII comes first: it might belong to the run.
 */
function runEnd(text: string, q: number, kind: number, limit: number): number {
  let r = q;
  for (; r < limit; r++) {
    const d = text.charCodeAt(r);
    if (d >= 128) return NOT_ASCII;
    if (CLASS[d] !== kind) break;
  }
  return r;
}

/** `[\p{Lu}…]*[\p{Ll}…]+` or `[\p{Lu}…]+[\p{Ll}…]*` from `q`, then an English contraction. */
function wordEnd(text: string, q: number): number {
  const length = text.length;
  const upper = runEnd(text, q, UPPER, length);
  if (upper === NOT_ASCII) return NOT_ASCII;
  const r = runEnd(text, upper, LOWER, length);
  if (r === NOT_ASCII) return NOT_ASCII;
  if (r + 1 < length && text.charCodeAt(r) === 0x27) {
    const a = text.charCodeAt(r + 1) | 0x20;
    if (a === 0x73 || a === 0x64 || a === 0x6d || a === 0x74) return r + 2; // 's 'd 'm 't
    if (r + 2 < length) {
      const b = text.charCodeAt(r + 2) | 0x20;
      if ((a === 0x6c && b === 0x6c) || (a === 0x76 && b === 0x65) || (a === 0x72 && b === 0x65))
        return r + 3; // 'll 've 're
    }
  }
  return r;
}

/** The rest of `[^\s\p{L}\p{N}]+` from `q`, then `[\r\n/]*`. */
function symbolsEnd(text: string, q: number): number {
  const length = text.length;
  let r = runEnd(text, q, OTHER, length);
  if (r === NOT_ASCII) return NOT_ASCII;
  for (; r < length; r++) {
    const d = text.charCodeAt(r);
    if (d !== 0x0a && d !== 0x0d && d !== 0x2f) break;
  }
  return r;
}

/**
 * `\s*[\r\n]+` (through the run's last line break), else `\s+(?!\S)` (all but the last space before
 * anything else), else `\s+` (a single space).
 */
function spacesEnd(text: string, p: number): number {
  const length = text.length;
  let r = p;
  let lastBreak = -1;
  for (; r < length; r++) {
    const d = text.charCodeAt(r);
    if (d >= 128) return NOT_ASCII;
    const kind = CLASS[d];
    if (kind === BREAK) lastBreak = r;
    else if (kind !== SPACE) break;
  }
  if (lastBreak >= 0) return lastBreak + 1;
  if (r === length || r - p === 1) return r;
  return r - 1;
}
