import type { Query } from './types.js';

/** `error` → `[eE][rR][rR][oO][rR]`: letters of any case, in a pattern that must also see case elsewhere. */
function anyCase(source: string): string {
  // A letter after a backslash is an escape (`\d`, `\s`), not a letter to match.
  return source.replace(/(?<!\\)[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

/** Words for errors and failures, in any case. Warnings are not among them: they are deduplicated, not all kept. */
const ERROR_WORDS = anyCase(
  [
    'err(?:or|ors)?',
    'fail(?:ed|ure|ures|ing)?',
    'fatal',
    'panic(?:ked)?',
    'exception',
    'traceback',
    'crash(?:ed)?',
    'abort(?:ed)?',
    'denied',
    'refused',
    'timed? ?out',
    'segfault',
    'assert(?:ion)?(?:error)?',
    'unhandled',
    'critical',
    'severe',
    'emerg',
    'invalid',
    'cannot',
    "can't",
    "couldn't",
    'unable',
    'not found',
    'missing',
    'undefined is not',
    'null pointer',
    'ENOENT',
    'EACCES',
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'npm ERR!',
    'TS\\d{4}',
    'E\\d{4}',
  ].join('|'),
);

/**
 * Marks a text as an error or failure: error words in any case, failure glyphs (`×` only where a test
 * runner puts it, at the start, since `1920×1080` is no failure), and exception class names as they are
 * thrown (`TypeError:`, `java.io.IOException: …`, a `ValueError` ending a line). Case matters for the
 * last: `TypeError: x` is an exception, `onError: x` an option name.
 */
export const ERROR_PATTERN = new RegExp(
  `\\b(?:${ERROR_WORDS})\\b|[✗✘❌]|^\\s*[×✕]\\s|\\b[A-Z][A-Za-z0-9]*(?:Error|Exception)(?::|$)`,
);

/** Words for warnings, which are kept deduplicated rather than all. */
export const WARNING_PATTERN = /\b(?:warn(?:ing|ings)?|deprecated|deprecation)\b/i;

/** `0 errors`, `no failures`, `Failures: 0`, `"failed": 0`: error words that report the absence of errors. */
const NO_ERRORS =
  /\b(?:0|no|zero|without)\s+(?:errors?|failures?|failed|failing|warnings?|vulnerabilities|problems?|issues?)\b|\b(?:errors?|failures?|failed|failing|warnings?)"?\s*[:=]\s*0(?![\d.x])/gi;

/** True when the text carries an error or failure signal; `0 errors` and `Failures: 0` do not count. */
export function isErrorText(text: string): boolean {
  if (!ERROR_PATTERN.test(text)) return false;
  NO_ERRORS.lastIndex = 0;
  if (!NO_ERRORS.test(text)) return true;
  return ERROR_PATTERN.test(text.replace(NO_ERRORS, ' '));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches any of the query's terms, case-insensitively; undefined for an empty query. */
function anyTermPattern(query: Query): RegExp | undefined {
  return query.terms.length === 0 ? undefined : new RegExp(query.terms.map(escapeRegExp).join('|'), 'i');
}

/** `7`, `2.3.1`, `v2`, `2024-05-01`: terms that must match as numbers, not inside longer ones. */
const NUMERIC_TERM = /^v?\d+(?:[.\-_]\d+)*$/;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * True when `lower` mentions the number `bare` on number boundaries: `7` is in `glob 7`, `glob@7.2.3` and
 * `^7.1.3` (a version that starts with it), not in `17`, `70` or `1.7`; `2.3.1` is not in `2.3.10`.
 */
function mentionsNumber(lower: string, bare: string): boolean {
  for (let at = lower.indexOf(bare); at !== -1; at = lower.indexOf(bare, at + 1)) {
    const end = at + bare.length;
    const before = at > 0 ? lower.charCodeAt(at - 1) : 32;
    if (isDigit(before) || (before === 46 && at > 1 && isDigit(lower.charCodeAt(at - 2)))) continue;
    if (end < lower.length && isDigit(lower.charCodeAt(end))) continue;
    return true;
  }
  return false;
}

/** A query's terms ready for matching many texts. */
export interface TermMatcher {
  readonly terms: readonly string[];
  /** Rules out, in one case-insensitive pass, texts that mention no term; undefined for an empty query. */
  readonly any: RegExp | undefined;
  /**
   * False for a text that `mentions` no term: `any`, and for a number also its boundaries (a question
   * about job `1042` rules out every line that holds `104200` and no term) without lower-casing the text.
   */
  maybe(text: string): boolean;
  /** Whether `lower` (a lower-cased text) mentions term `t`: words as substrings, numbers on number boundaries. */
  mentions(lower: string, t: number): boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point.
const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * `any` with each plain number held to the boundaries `mentionsNumber` checks, so that it matches every
 * text that mentions a term: on ASCII text lower-casing and `/i` agree, and past ASCII only `İ` and the
 * Kelvin sign lower-case to ASCII letters (`i̇`, `k`), so a text holding one of them always matches.
 * Undefined when it would rule out nothing more than `any` (no plain number), or could rule out too much
 * (a term past ASCII; a `v2`, mentioned as a bare `2` that `any` never sees).
 */
function boundedTermPattern(query: Query): RegExp | undefined {
  const numeric = query.terms.map((w) => NUMERIC_TERM.test(w));
  if (!numeric.includes(true)) return undefined;
  if (query.terms.some((w, t) => (numeric[t] && w.startsWith('v')) || NON_ASCII.test(w))) return undefined;
  const parts = query.terms.map((w, t) =>
    numeric[t] ? `(?<![0-9]|[0-9]\\.)${escapeRegExp(w)}(?![0-9])` : escapeRegExp(w),
  );
  return new RegExp(`${parts.join('|')}|[\\u0130\\u212a]`, 'i');
}

interface TermPatterns {
  readonly any: RegExp | undefined;
  readonly bounded: RegExp | undefined;
}

/**
 * Patterns by query terms. Every block of a conversation asks the same question and each compressor
 * makes its matcher, while V8 compiles every new RegExp anew; neither pattern keeps state (no `g`).
 */
const PATTERNS = new Map<string, TermPatterns>();
const MAX_PATTERNS = 256;

function termPatterns(query: Query): TermPatterns {
  const key = JSON.stringify(query.terms);
  let patterns = PATTERNS.get(key);
  if (patterns === undefined) {
    if (PATTERNS.size >= MAX_PATTERNS) PATTERNS.clear();
    patterns = { any: anyTermPattern(query), bounded: boundedTermPattern(query) };
    PATTERNS.set(key, patterns);
  }
  return patterns;
}

export function termMatcher(query: Query): TermMatcher {
  const numbers = query.terms.map((w) =>
    NUMERIC_TERM.test(w) ? (w.startsWith('v') ? w.slice(1) : w) : undefined,
  );
  const { any, bounded } = termPatterns(query);
  return {
    terms: query.terms,
    any,
    maybe(text: string): boolean {
      return any?.test(text) === true && (bounded === undefined || bounded.test(text));
    },
    mentions(lower: string, t: number): boolean {
      const bare = numbers[t];
      return bare === undefined ? lower.includes(query.terms[t]!) : mentionsNumber(lower, bare);
    },
  };
}

/**
 * How strongly a text matches the user's question: the number of distinct query terms it mentions
 * (case-insensitive, so `getUser` matches `getUserById`; numbers only as whole numbers or versions).
 */
export function queryScore(text: string, query: Query): number {
  return queryScorer(query)(text);
}

/** `queryScore` for many texts: the terms are prepared once, and texts without any are ruled out in one pass. */
export function queryScorer(query: Query): (text: string) => number {
  const matcher = termMatcher(query);
  return function scoreText(text: string): number {
    if (!matcher.maybe(text)) return 0;
    const lower = text.toLowerCase();
    let score = 0;
    for (let t = 0; t < matcher.terms.length; t++) if (matcher.mentions(lower, t)) score += 1;
    return score;
  };
}

/**
 * Formats a count the way every marker does: `12,345`, as `toLocaleString('en-US')` writes it. Grouped by
 * hand for whole numbers: the first `toLocaleString` call loads ICU data, ~12 ms of a CLI start.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 || Object.is(n, -0) ? `-${digits}` : digits;
}
