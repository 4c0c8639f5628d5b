import { performance } from 'node:perf_hooks';
import type { compress } from '../../src/index.js';
import { type CorpusCase, readCaseOutput } from '../corpus/cases.js';
import {
  type AnthropicMessage,
  anthropicConversation,
  anthropicToolOutput,
  type OpenAIMessage,
  openAIConversation,
  openAIToolOutput,
} from './messages.js';
import { median, savingsPercent } from './report.js';

export type CompressFn = typeof compress;

export const MODEL = 'gpt-4o';

export interface CaseResult {
  readonly name: string;
  readonly kind: string;
  /** What the router decided the output was, and what it did with it. */
  readonly detectedKind: string | undefined;
  readonly action: string;
  readonly transform: string;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly savingsPercent: number;
  readonly needles: number;
  readonly keptOpenAI: number;
  readonly keptAnthropic: number;
  readonly lostNeedles: readonly string[];
  /** Shapes whose conversation came back altered (message count, call ids), or why the case crashed. */
  readonly broken: readonly string[];
  /** The first run, which also loads the tokenizer. */
  readonly coldMs: number;
  readonly medianMs: number;
}

export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

/** Compresses one corpus case in both shapes and checks that every needle survived in each. */
export async function benchCase(compressFn: CompressFn, c: CorpusCase, runs: number): Promise<CaseResult> {
  const output = await readCaseOutput(c);
  const openAI = openAIConversation(c.question, c.command, output);
  const anthropic = anthropicConversation(c.question, c.command, output);

  const first = await timed(() => compressFn(openAI, { model: MODEL }));
  const times = [first.ms];
  for (let i = 1; i < runs; i++) times.push((await timed(() => compressFn(openAI, { model: MODEL }))).ms);
  const result = first.value;
  const anthropicResult = await compressFn(anthropic, { model: MODEL });

  const openAIText = openAIToolOutput(result.messages as OpenAIMessage[]);
  const anthropicText = anthropicToolOutput(anthropicResult.messages as AnthropicMessage[]);
  const broken = [
    ...(openAIText === undefined ? ['openai shape changed'] : []),
    ...(anthropicText === undefined ? ['anthropic shape changed'] : []),
  ];
  const keptIn = (text: string | undefined) => c.needles.filter((n) => text?.includes(n) === true);
  const keptOpenAI = keptIn(openAIText);
  const keptAnthropic = keptIn(anthropicText);

  const block = result.blocks.find((b) => b.location !== 'user' && b.location !== 'system');
  return {
    name: c.name,
    kind: c.kind,
    detectedKind: block?.kind,
    action: block?.action ?? 'no-block',
    transform: result.transformsApplied.join('; '),
    tokensBefore: result.tokensBefore,
    tokensAfter: result.tokensAfter,
    savingsPercent: savingsPercent(result.tokensBefore, result.tokensAfter),
    needles: c.needles.length,
    keptOpenAI: keptOpenAI.length,
    keptAnthropic: keptAnthropic.length,
    lostNeedles: c.needles.filter((n) => !keptOpenAI.includes(n) || !keptAnthropic.includes(n)),
    broken,
    coldMs: first.ms,
    medianMs: median(times),
  };
}

/** The row for a case whose run died (a crash or a module that failed to load): every needle counts as lost. */
export function crashedCase(c: CorpusCase, reason: string): CaseResult {
  return {
    name: c.name,
    kind: c.kind,
    detectedKind: undefined,
    action: 'crashed',
    transform: '',
    tokensBefore: 0,
    tokensAfter: 0,
    savingsPercent: 0,
    needles: c.needles.length,
    keptOpenAI: 0,
    keptAnthropic: 0,
    lostNeedles: c.needles,
    broken: [`crashed: ${reason}`],
    coldMs: 0,
    medianMs: 0,
  };
}
