import type { Query } from './types.js';

/** Words that mark a line or item as an error or failure; such content always survives compression. */
export const ERROR_PATTERN =
  /\b(?:err(?:or|ors)?|fail(?:ed|ure|ures|ing)?|fatal|panic(?:ked)?|exception|traceback|crash(?:ed)?|abort(?:ed)?|denied|refused|timed?\s?out|timeout|segfault|assert(?:ion)?(?:error)?|unhandled|critical|severe|emerg|invalid|cannot|can't|couldn't|unable|not found|missing|undefined is not|null pointer|ENOENT|EACCES|ECONNREFUSED|ECONNRESET|ETIMEDOUT|npm ERR!|TS\d{4}|E\d{4}|✗|✘|×|FAIL|ERROR|WARN(?:ING)?)\b|✗|✘|❌/i;

/** Words for warnings, which are kept deduplicated rather than all. */
export const WARNING_PATTERN = /\b(?:warn(?:ing|ings)?|deprecated|deprecation)\b/i;

/** True when the text carries an error or failure signal. */
export function isErrorText(text: string): boolean {
  return ERROR_PATTERN.test(text);
}

/**
 * How strongly a text matches the user's question: the number of distinct query terms it contains
 * (case-insensitive substring match, so `getUser` matches `getUserById`).
 */
export function queryScore(text: string, query: Query): number {
  if (query.terms.length === 0) return 0;
  const lower = text.toLowerCase();
  let score = 0;
  for (const term of query.terms) if (lower.includes(term)) score += 1;
  return score;
}

/** Formats a count the way every marker does: `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
