/**
 * List prices in USD per million tokens, as the providers published them. Offline on purpose: stats
 * and wrap summaries must work without a network, and a dated snapshot says plainly how old it is.
 * `cacheWrite` is the 5-minute cache write price (Anthropic bills 1.25× input); OpenAI charges no
 * write premium, so its cacheWrite equals input. Sources: the providers' pricing pages.
 */
export const PRICING_SNAPSHOT_DATE = '2026-11-25';

export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly cacheWrite: number;
  readonly cacheRead: number;
}

const opusNew: ModelPrice = { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 };
const opusOld: ModelPrice = { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 };
const sonnet: ModelPrice = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 };
const sonnet5: ModelPrice = { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 };
const haiku45: ModelPrice = { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 };
const haiku35: ModelPrice = { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 };
const haiku3: ModelPrice = { input: 0.25, output: 1.25, cacheWrite: 0.3, cacheRead: 0.03 };

/** OpenAI: cached input is billed at a discount, writes cost the same as input. */
function openai(input: number, output: number, cacheRead: number): ModelPrice {
  return { input, output, cacheWrite: input, cacheRead };
}

/** Keys are model ids without date suffixes; see `normalizeModel` in pricing.ts. */
export const PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-opus-5': opusNew,
  'claude-opus-4-8': opusNew,
  'claude-opus-4-7': opusNew,
  'claude-opus-4-6': opusNew,
  'claude-opus-4-5': opusNew,
  'claude-opus-4-1': opusOld,
  'claude-opus-4-0': opusOld,
  'claude-opus-4': opusOld,
  'claude-3-opus': opusOld,
  'claude-sonnet-5': sonnet5,
  'claude-sonnet-4-6': sonnet,
  'claude-sonnet-4-5': sonnet,
  'claude-sonnet-4-0': sonnet,
  'claude-sonnet-4': sonnet,
  'claude-3-7-sonnet': sonnet,
  'claude-3-5-sonnet': sonnet,
  'claude-haiku-4-5': haiku45,
  'claude-3-5-haiku': haiku35,
  'claude-3-haiku': haiku3,
  'gpt-5.6-sol': openai(5, 30, 0.5),
  'gpt-5.6-terra': openai(2.5, 15, 0.25),
  'gpt-5.6-luna': openai(1, 6, 0.1),
  'gpt-5.5': openai(5, 30, 0.5),
  'gpt-5.4': openai(2.5, 15, 0.25),
  'gpt-5.2': openai(1.75, 14, 0.175),
  'gpt-5.1': openai(1.25, 10, 0.125),
  'gpt-5.1-codex': openai(1.25, 10, 0.125),
  'gpt-5.1-codex-mini': openai(0.25, 2, 0.025),
  'gpt-5': openai(1.25, 10, 0.125),
  'gpt-5-codex': openai(1.25, 10, 0.125),
  'gpt-5-mini': openai(0.25, 2, 0.025),
  'gpt-5-nano': openai(0.05, 0.4, 0.005),
  'gpt-4.1': openai(2, 8, 0.5),
  'gpt-4.1-mini': openai(0.4, 1.6, 0.1),
  'gpt-4.1-nano': openai(0.1, 0.4, 0.025),
  'gpt-4o': openai(2.5, 10, 1.25),
  'gpt-4o-mini': openai(0.15, 0.6, 0.075),
  o3: openai(2, 8, 0.5),
  'o4-mini': openai(1.1, 4.4, 0.275),
};
