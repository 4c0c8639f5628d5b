import type { BlockHint, Compressor, CompressorContext, LinePlan, RewriteResult } from '../../types.js';
import { planJsonLines } from './line-plan.js';
import { parseJsonBlock } from './parse-cache.js';
import { rewriteJson } from './rewrite.js';

/**
 * JSON tool output: big arrays, and big objects of like entries (a lockfile's `packages`, an `exports`
 * map, a dependency tree), keep their first and last elements, failures, outliers and the ones the user
 * asked about; the rest become counts, key ranges and field statistics.
 *
 * @example
 * const result = jsonCompressor.rewrite?.(apiResponse, ctx);
 * // result.transform === 'json:items 1000→15'
 */
export const jsonCompressor: Compressor = {
  kind: 'json',
  detect(text: string, _hint: BlockHint): boolean {
    return parseJsonBlock(text).ok;
  },
  lines(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
    return planJsonLines(lines, ctx);
  },
  rewrite(text: string, ctx: CompressorContext): RewriteResult | undefined {
    return rewriteJson(text, ctx);
  },
};
