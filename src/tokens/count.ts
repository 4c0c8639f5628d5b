/**
 * Token counting per model family, behind one small module so the tokenizer can be swapped.
 * Counts are gpt-tokenizer's (chosen over js-tiktoken: identical o200k counts, ~8x faster encoding),
 * computed by `bpe-count.ts` over a precompiled table derived from it (`bpe-load.ts`): loading
 * gpt-tokenizer's own vocabulary module costs 150-380 ms and tens of MB of heap per process, the table
 * a few ms. gpt-tokenizer itself is only loaded to build a missing or stale table.
 */

type Encoder = (text: string) => number;
export type TokenizerFamily = 'o200k' | 'cl100k' | 'claude';

/**
 * Claude's tokenizer is not published. Its counts run above o200k's on code and JSON; this factor is
 * applied to o200k counts and is stated in the README as an estimate (the proxy also records the
 * provider's own input_tokens, which is the ground truth for billing).
 */
export const CLAUDE_FACTOR = 1.15;

/**
 * Texts longer than this are counted from evenly spaced windows (30 KB in all) and scaled by
 * length: exact BPE counting runs at ~60-90 MB/s on ASCII tool output (less in other scripts), and
 * a proxy cannot spend tens of ms on every big tool output. Measured error on the bench corpus is
 * stated in the README.
 */
const SAMPLE_THRESHOLD = 64 * 1024;
const SAMPLE_WINDOWS = 10;
const SAMPLE_WINDOW_CHARS = 3 * 1024;

const loaded = new Map<'o200k' | 'cl100k', Encoder>();

/** The tokenizers this process has loaded, in load order: each holds a multi-megabyte table. */
export function loadedTokenizers(): string[] {
  return [...loaded.keys()];
}

/**
 * The most tokens a text can count as in any family, without a tokenizer: a BPE token holds at least
 * one UTF-8 byte, and Claude's count is o200k's times CLAUDE_FACTOR. Decides small texts at once.
 */
export function tokenUpperBound(text: string): number {
  return Math.ceil(Buffer.byteLength(text) * CLAUDE_FACTOR);
}

export function tokenizerFamily(model: string): TokenizerFamily {
  const m = model.toLowerCase();
  if (m.includes('claude') || m.startsWith('anthropic')) return 'claude';
  if (/^(?:gpt-4(?:-|$)(?!o)|gpt-4-turbo|gpt-3\.5|text-embedding-ada|davinci|babbage)/.test(m))
    return 'cl100k';
  return 'o200k';
}

const loading = new Map<'o200k' | 'cl100k', Promise<Encoder>>();

function loadEncoder(name: 'o200k' | 'cl100k'): Promise<Encoder> {
  let pending = loading.get(name);
  if (!pending) {
    pending = (async () => {
      // Imported here, not at the top: a process that never counts never reads a table.
      const [{ loadBpeTable }, { bpeCounter }] = await Promise.all([
        import('./bpe-load.js'),
        import('./bpe-count.js'),
      ]);
      const { table } = await loadBpeTable(name === 'o200k' ? 'o200k_base' : 'cl100k_base');
      // `<|endoftext|>` and friends in tool output count as text, as gpt-tokenizer does with
      // `disallowedSpecial: new Set()`.
      const count = bpeCounter(table);
      const encoder: Encoder = (text) => withoutLongRuns(text, count);
      loaded.set(name, encoder);
      return encoder;
    })();
    // A failed load (e.g. an unreadable gpt-tokenizer) is retried by the next caller.
    pending.catch(() => loading.delete(name));
    loading.set(name, pending);
  }
  return pending;
}

/**
 * BPE merging is quadratic in the length of one pre-token, and a run without spaces (`aaaa…`, `====…`,
 * a base64 blob) is one pre-token: 16 K such characters take ~0.5 s, 60 K take seconds. Such runs are
 * counted in 1 KB slices, which changes the count by at most a token per slice.
 */
const LONG_RUN_CHARS = 2048;
const LONG_RUN = /\S{2048,}/g;
const SLICE = 1024;

/** What `\s` matches in a JS regular expression, as UTF-16 code units. */
export function isRegExpSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 5760 ||
    (c >= 8192 && c <= 8202) ||
    c === 8232 ||
    c === 8233 ||
    c === 8239 ||
    c === 8287 ||
    c === 12288 ||
    c === 65279
  );
}

/**
 * `/\S{2048}/.test(text)` without reading every character: any 2,048 characters in a row hold one index
 * of each residue modulo 2,048, so probing every 2,048th character and measuring the run around it (a
 * word's length, usually) finds every such run. The regular expression restarts at every character of
 * every word, and cost a tenth of a fresh conversation's compression.
 */
export function hasLongRun(text: string): boolean {
  for (let probe = LONG_RUN_CHARS - 1; probe < text.length; probe += LONG_RUN_CHARS) {
    if (isRegExpSpace(text.charCodeAt(probe))) continue;
    let start = probe;
    while (start > 0 && !isRegExpSpace(text.charCodeAt(start - 1))) start -= 1;
    let end = probe + 1;
    while (end < text.length && end - start < LONG_RUN_CHARS && !isRegExpSpace(text.charCodeAt(end)))
      end += 1;
    if (end - start >= LONG_RUN_CHARS) return true;
  }
  return false;
}

function withoutLongRuns(text: string, encode: Encoder): number {
  if (!hasLongRun(text)) return encode(text);
  let total = 0;
  let last = 0;
  for (const m of text.matchAll(LONG_RUN)) {
    total += encode(text.slice(last, m.index));
    for (let i = 0; i < m[0].length; i += SLICE) total += encode(m[0].slice(i, i + SLICE));
    last = m.index + m[0].length;
  }
  return total + encode(text.slice(last));
}

function sampled(encode: Encoder, text: string): number {
  if (text.length <= SAMPLE_THRESHOLD) return encode(text);
  const stride = Math.floor((text.length - SAMPLE_WINDOW_CHARS) / (SAMPLE_WINDOWS - 1));
  let chars = 0;
  let tokens = 0;
  for (let i = 0; i < SAMPLE_WINDOWS; i++) {
    const window = text.slice(i * stride, i * stride + SAMPLE_WINDOW_CHARS);
    chars += window.length;
    tokens += encode(window);
  }
  return Math.round((tokens / chars) * text.length);
}

/** Returns a synchronous counter for a model, loading its tokenizer once. */
export async function tokenCounter(model: string): Promise<(text: string) => number> {
  const family = tokenizerFamily(model);
  const encode = await loadEncoder(family === 'cl100k' ? 'cl100k' : 'o200k');
  if (family === 'claude') return (text) => Math.ceil(sampled(encode, text) * CLAUDE_FACTOR);
  return (text) => sampled(encode, text);
}
