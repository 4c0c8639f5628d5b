import { tokenCounter } from '../../src/tokens/count.js';
import { type CompressFn, MODEL, timed } from './corpus-case.js';
import { openAIConversation } from './messages.js';
import { percentile, savingsPercent } from './report.js';
import { orderDump } from './synthetic.js';

export interface LatencyResult {
  readonly targetTokens: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
  readonly savingsPercent: number;
  readonly runs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly transform: string;
  /** Set when the run died; the numbers are then zero. */
  readonly crashed?: string;
}

/** Sizes of the synthetic dumps and how many runs each gets (fewer for the slow ones, never under 5). */
export const LATENCY_SIZES: ReadonlyArray<readonly [tokens: number, runs: number]> = [
  [10_000, 10],
  [100_000, 7],
  [500_000, 5],
];

export async function benchLatency(
  compressFn: CompressFn,
  target: number,
  runs: number,
): Promise<LatencyResult> {
  const dump = orderDump(target, await tokenCounter(MODEL));
  const messages = openAIConversation(
    'Which orders failed, and why?',
    'curl -s http://127.0.0.1:8080/api/orders?limit=all',
    dump,
  );
  const first = await timed(() => compressFn(messages, { model: MODEL }));
  const times = [first.ms];
  for (let i = 1; i < runs; i++) times.push((await timed(() => compressFn(messages, { model: MODEL }))).ms);
  const result = first.value;
  return {
    targetTokens: target,
    tokensBefore: result.tokensBefore,
    tokensAfter: result.tokensAfter,
    tokensSaved: result.tokensSaved,
    savingsPercent: savingsPercent(result.tokensBefore, result.tokensAfter),
    runs,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    transform: result.transformsApplied.join('; '),
  };
}

export function crashedLatency(target: number, runs: number, reason: string): LatencyResult {
  return {
    targetTokens: target,
    tokensBefore: 0,
    tokensAfter: 0,
    tokensSaved: 0,
    savingsPercent: 0,
    runs,
    p50Ms: 0,
    p95Ms: 0,
    transform: '',
    crashed: reason,
  };
}
