/**
 * The encoding's pre-tokenisation regex, restricted to the characters a text holds. o200k's regex is
 * built of Unicode property classes (`\p{L}`, `\p{Lu}`, `\p{N}`, …) that V8 takes ~5 ms to compile
 * before its first match: a tenth of a cold `headroom compress`, and of a fresh proxy's first count.
 * A regex only ever tests a class against the text's own characters, so on a text whose characters
 * all lie in a set S, each `\p{X}` can be replaced by the members of X in S and the regex matches
 * exactly the same pieces. With S = ASCII plus the few other characters tool output holds (`✓`, `→`,
 * `é`), the classes are small and the regex compiles in a fraction of a millisecond.
 *
 * The members come from `PropertyRanges`, computed when the table is built (`bpe-source.ts`) and kept
 * in its header, for the Basic Multilingual Plane. A text with a character beyond it, or with more
 * than RESTRICTED_MAX distinct non-ASCII characters (prose in another script), uses the full regex,
 * as do all non-ASCII texts once a process has compiled RESTRICTED_REGEXES restricted ones.
 */

/** For each `\p{…}` escape in a pattern (`\p{Lu}`), its members below U+10000, as [first, last] pairs. */
export type PropertyRanges = Record<string, number[]>;

const PROPERTY = /\\p\{[^}]*\}/g;
const NON_ASCII = /[\u0080-\uffff]/g;
const RESTRICTED_MAX = 32;
/**
 * Restricted regexes compiled per splitter, the ASCII one included. Each costs a fraction of the full
 * regex's compile; past this many (a proxy sees texts of many scripts), non-ASCII texts use the full
 * one, so no process pays more than about one full compile extra.
 */
const RESTRICTED_REGEXES = 16;

/**
 * The members of every `\p{…}` in the pattern, tested under the pattern's own flags (a
 * case-insensitive class matches both cases). Null when a restriction could not stand for the
 * pattern: a negated `\P{…}`, or `v`-mode class syntax.
 */
export function propertyRanges(pattern: string, flags: string): PropertyRanges | null {
  if (flags.includes('v') || pattern.includes('\\P{')) return null;
  const testFlags = flags.replace(/[gy]/g, '');
  const ranges: PropertyRanges = {};
  for (const [property] of pattern.matchAll(PROPERTY)) {
    if (ranges[property] !== undefined) continue;
    const probe = new RegExp(`^${property}$`, testFlags);
    const pairs: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      // A lone surrogate is no character of a `u` regex; texts holding one use the full regex.
      if ((code >= 0xd800 && code <= 0xdfff) || !probe.test(String.fromCharCode(code))) continue;
      if (pairs.length > 0 && pairs[pairs.length - 1] === code - 1) pairs[pairs.length - 1] = code;
      else pairs.push(code, code);
    }
    ranges[property] = pairs;
  }
  return ranges;
}

/**
 * A function giving the regex to split a text with: restricted to the text's characters when it
 * can be, the full one (compiled on first need) otherwise.
 */
export function splitter(
  pattern: string,
  flags: string,
  ranges: PropertyRanges | null | undefined,
): (text: string) => RegExp {
  let full: RegExp | undefined;
  const restricted = new Map<string, RegExp>();
  const fullRegex = (): RegExp => {
    full ??= new RegExp(pattern, flags);
    return full;
  };
  return (text) => {
    const extra = ranges ? nonAsciiOf(text) : undefined;
    if (!ranges || extra === undefined) return fullRegex();
    const key = String.fromCharCode(...extra);
    let regex = restricted.get(key);
    if (!regex) {
      if (restricted.size >= RESTRICTED_REGEXES) return fullRegex();
      regex = new RegExp(restrictedPattern(pattern, ranges, extra), flags);
      restricted.set(key, regex);
    }
    return regex;
  };
}

/** The distinct non-ASCII characters of a text, in code order; undefined past RESTRICTED_MAX or at a surrogate. */
function nonAsciiOf(text: string): number[] | undefined {
  const seen = new Set<number>();
  for (const match of text.matchAll(NON_ASCII)) {
    const code = match[0].charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return undefined;
    seen.add(code);
    if (seen.size > RESTRICTED_MAX) return undefined;
  }
  return [...seen].sort((a, b) => a - b);
}

/** The pattern with each `\p{…}` replaced by its members among ASCII and `extra` (code-ordered). */
export function restrictedPattern(pattern: string, ranges: PropertyRanges, extra: readonly number[]): string {
  // o200k's pattern names each of its 8 properties several times.
  const bodies = new Map<string, string>();
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const property = pattern.startsWith('\\p{', i)
        ? pattern.slice(i, pattern.indexOf('}', i) + 1)
        : undefined;
      if (property === undefined) {
        out += pattern.slice(i, i + 2);
        i++;
        continue;
      }
      let members = bodies.get(property);
      if (members === undefined) {
        members = classBody(ranges[property] ?? [], extra);
        bodies.set(property, members);
      }
      out += inClass ? members : `[${members}]`;
      i += property.length - 1;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out;
}

/** The members in `pairs` among ASCII and `extra`, as class ranges (`\u0041-\u005a\u00e9`). */
function classBody(pairs: readonly number[], extra: readonly number[]): string {
  const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  const isMember = (code: number) => {
    let lo = 0;
    let hi = pairs.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (code < (pairs[2 * mid] as number)) hi = mid - 1;
      else if (code > (pairs[2 * mid + 1] as number)) lo = mid + 1;
      else return true;
    }
    return false;
  };
  let out = '';
  for (let i = 0; i < pairs.length; i += 2) {
    const first = pairs[i] as number;
    if (first > 0x7f) break;
    const last = Math.min(pairs[i + 1] as number, 0x7f);
    out += first === last ? hex(first) : `${hex(first)}-${hex(last)}`;
  }
  for (const code of extra) if (isMember(code)) out += hex(code);
  return out;
}
