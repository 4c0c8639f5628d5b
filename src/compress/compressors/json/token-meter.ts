import type { CompressorContext } from '../../types.js';

/** Tokens of a piece of text: counted exactly while an allowance lasts, then estimated from what was seen. */
export interface TokenMeter {
  count(text: string): number;
}

// Enough for a few samples and one small table; a document with thousands of nested arrays must not
// make the tokenizer read megabytes.
const ALLOWANCE_CHARS = 32_768;
// Before anything has been measured: a typical rate for JSON and tables.
const DEFAULT_TOKENS_PER_CHAR = 0.3;

export function tokenMeter(ctx: CompressorContext): TokenMeter {
  let chars = 0;
  let tokens = 0;
  return {
    count(text: string): number {
      if (chars + text.length <= ALLOWANCE_CHARS) {
        const counted = ctx.countTokens(text);
        chars += text.length;
        tokens += counted;
        return counted;
      }
      return text.length * (chars === 0 ? DEFAULT_TOKENS_PER_CHAR : tokens / chars);
    },
  };
}
