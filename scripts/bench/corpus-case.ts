import { performance } from 'node:perf_hooks';
import type { compress } from '../../src/index.js';
import { type CorpusCase, readCaseOutput } from '../corpus/cases.js';
import {
  type AnthropicMessage,
  anthropicConversation,
  anthropicToolOutput,
  claudeReadConversation,
  codexConversation,
  codexToolOutput,
  type OpenAIMessage,
  openAIConversation,
  openAIToolOutput,
  type ResponsesItem,
} from './messages.js';
import { median, savingsPercent } from './report.js';

export type CompressFn = typeof compress;

export const MODEL = 'gpt-4o';

/**
 * How the same output reaches headroom: bare (a Bash/tool result, in OpenAI chat and Anthropic shapes),
 * as Claude Code's line-numbered `Read` result, and as Codex's exec output under its header.
 */
export const SHAPES = ['raw', 'claude-read', 'codex-exec'] as const;
export type Shape = (typeof SHAPES)[number];

export interface ShapeResult {
  /** What the router decided the output was, and what it did with it. */
  readonly detectedKind: string | undefined;
  readonly action: string;
  readonly transform: string;
  /** Tokens of the tool output block alone, before and after. */
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly savingsPercent: number;
  readonly lostNeedles: readonly string[];
  /** Set when the conversation came back altered (message count, call ids). */
  readonly broken?: string;
}

export interface CaseResult {
  readonly name: string;
  readonly kind: string;
  readonly needles: number;
  readonly shapes: Readonly<Record<Shape, ShapeResult>>;
  /** Why the case crashed, when it did. */
  readonly crashed?: string;
  /** The first raw run, which also loads the tokenizer. */
  readonly coldMs: number;
  readonly medianMs: number;
}

export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

type Result = Awaited<ReturnType<CompressFn>>;

function shapeResult(c: CorpusCase, result: Result, texts: readonly (string | undefined)[]): ShapeResult {
  const block = result.blocks.find((b) => b.location !== 'user' && b.location !== 'system');
  const tokensBefore = block?.tokensBefore ?? 0;
  const tokensAfter = block?.tokensAfter ?? 0;
  const lostNeedles = c.needles.filter((n) => texts.some((t) => t?.includes(n) !== true));
  const broken = texts.some((t) => t === undefined) ? 'conversation changed shape' : undefined;
  return {
    detectedKind: block?.kind,
    action: block?.action ?? 'no-block',
    transform: result.transformsApplied.join('; '),
    tokensBefore,
    tokensAfter,
    savingsPercent: savingsPercent(tokensBefore, tokensAfter),
    lostNeedles,
    ...(broken ? { broken } : {}),
  };
}

/** The file a command prints (`cat a.json`, `head -n 2500 yarn.lock`), which an agent could `Read` instead. */
const PRINTED_FILE = /^(?:cat|head|tail)\s+(?:-\S+\s+(?:\d+\s+)?)*([^\s|;&<>]+)$/;

/**
 * The path the `Read` names: the file the command prints, else the output saved as a `.txt` file (as
 * Claude Code saves big tool outputs), so only the content can say what it is.
 */
export function readPath(c: CorpusCase): string {
  const printed = PRINTED_FILE.exec(c.command)?.[1];
  if (printed) return printed.startsWith('/') ? printed : `/work/project/${printed}`;
  return `/work/project/tool-results/${c.file}`;
}

/** Compresses one corpus case in every shape and checks that every needle survived in each. */
export async function benchCase(
  compressFn: CompressFn,
  c: CorpusCase,
  runs: number,
  dir: string,
): Promise<CaseResult> {
  const output = await readCaseOutput(c, dir);
  const openAI = openAIConversation(c.question, c.command, output);
  const first = await timed(() => compressFn(openAI, { model: MODEL }));
  const times = [first.ms];
  for (let i = 1; i < runs; i++) times.push((await timed(() => compressFn(openAI, { model: MODEL }))).ms);
  const anthropic = await compressFn(anthropicConversation(c.question, c.command, output), { model: MODEL });
  const read = await compressFn(claudeReadConversation(c.question, readPath(c), output), { model: MODEL });
  const codex = await compressFn(codexConversation(c.question, c.command, output, 0), { model: MODEL });

  return {
    name: c.name,
    kind: c.kind,
    needles: c.needles.length,
    shapes: {
      raw: shapeResult(c, first.value, [
        openAIToolOutput(first.value.messages as OpenAIMessage[]),
        anthropicToolOutput(anthropic.messages as AnthropicMessage[]),
      ]),
      'claude-read': shapeResult(c, read, [anthropicToolOutput(read.messages as AnthropicMessage[])]),
      'codex-exec': shapeResult(c, codex, [codexToolOutput(codex.messages as ResponsesItem[])]),
    },
    coldMs: first.ms,
    medianMs: median(times),
  };
}

/** The row for a case whose run died (a crash or a module that failed to load): every needle counts as lost. */
export function crashedCase(c: CorpusCase, reason: string): CaseResult {
  const dead: ShapeResult = {
    detectedKind: undefined,
    action: 'crashed',
    transform: '',
    tokensBefore: 0,
    tokensAfter: 0,
    savingsPercent: 0,
    lostNeedles: c.needles,
  };
  return {
    name: c.name,
    kind: c.kind,
    needles: c.needles.length,
    shapes: { raw: dead, 'claude-read': dead, 'codex-exec': dead },
    crashed: reason,
    coldMs: 0,
    medianMs: 0,
  };
}

/** True when any shape lost a needle, came back altered, or the case crashed. */
export function failed(r: CaseResult): boolean {
  return (
    r.crashed !== undefined ||
    SHAPES.some((s) => r.shapes[s].lostNeedles.length > 0 || r.shapes[s].broken !== undefined)
  );
}
