import { isMinified } from './compressors/code/minified.js';
import { logCompressor } from './compressors/log/index.js';
import { detectCompressor } from './detect.js';
import { contentHash } from './hash.js';
import type { ResolvedOptions } from './options.js';
import { renderPlan, retrievalMarker } from './render.js';
import { RETRIEVE_TOOL } from './resolve-options.js';
import { formatCount } from './signals.js';
import type {
  BlockHint,
  Budgets,
  Compressor,
  CompressorContext,
  ContentKind,
  LinePlan,
  Query,
  RewriteResult,
} from './types.js';
import { type Envelope, isAgentPreview, openEnvelope } from './wrappers/index.js';

/** What the router decided for one block. */
export interface BlockOutcome {
  /** The compressed text; undefined when the block stays as it was. */
  readonly text: string | undefined;
  readonly kind: ContentKind | undefined;
  readonly transform: string | undefined;
  readonly hash: string | undefined;
  /** `compressed`, or the reason it was not. */
  readonly action: string;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
}

export interface BlockInput {
  readonly text: string;
  readonly hint: BlockHint;
  readonly query: Query;
  /** The user asked to analyze/review code: code stays whole. */
  readonly analysis: boolean;
}

/** A compression must save at least this fraction, or the exact original is worth more. */
const MIN_GAIN = 0.1;
/**
 * Lines that say an agent already cut the output (Codex's `…195798 chars truncated…`, Claude Code's
 * `... [19396 characters truncated] ...` in a failed command's output); kept so the model knows.
 */
const AGENT_NOTE =
  /chars truncated|characters truncated|tokens truncated|output truncated|Total output lines:/i;

/** Files that hold a tool's saved output rather than source. */
const SAVED_OUTPUT = /\.(?:txt|log|out)$/i;

function looksBinary(text: string): boolean {
  const sample = text.slice(0, 8192);
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) return true;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 27) control += 1;
  }
  return control > sample.length * 0.05;
}

function unchanged(action: string, tokens: number, kind?: ContentKind): BlockOutcome {
  return {
    text: undefined,
    kind,
    transform: undefined,
    hash: undefined,
    action,
    tokensBefore: tokens,
    tokensAfter: tokens,
  };
}

function scaleBudgets(b: Budgets, f: number): Budgets {
  const s = (n: number) => Math.max(1, Math.floor(n * f));
  return {
    maxItems: s(b.maxItems),
    maxLogLines: s(b.maxLogLines),
    maxErrors: s(b.maxErrors),
    maxStackTraces: s(b.maxStackTraces),
    errorContext: f < 0.5 ? 0 : b.errorContext,
    maxSearchMatches: s(b.maxSearchMatches),
    maxSearchFiles: s(b.maxSearchFiles),
    maxMatchesPerFile: s(b.maxMatchesPerFile),
    diffContextLines: f < 0.5 ? 0 : b.diffContextLines,
    maxHunksPerFile: s(b.maxHunksPerFile),
    maxDiffFiles: s(b.maxDiffFiles),
    maxDiffChangedLines: s(b.maxDiffChangedLines),
    maxRows: s(b.maxRows),
    targetRatio: Math.max(0.05, b.targetRatio * f),
  };
}

/** Keeps lines an agent wrote about its own truncation, whatever the compressor chose. */
function withAgentNotes(env: Envelope, plan: LinePlan): LinePlan {
  const keep = plan.keep.slice();
  for (let i = 0; i < env.lines.length; i++) if (AGENT_NOTE.test(env.lines[i]!)) keep[i] = true;
  return { ...plan, keep };
}

interface Attempt {
  readonly text: string;
  readonly transform: string;
}

/** The wrapper's head, the compressed body, and the retrieval marker on a line of its own. */
function sealed(env: Envelope, body: string, summary: string, hash: string, hint: string): string {
  const sep = body.endsWith('\n') ? '' : '\n';
  return `${env.head}${body}${sep}${retrievalMarker(summary, hash, hint)}`;
}

/** About what a note for an omitted run costs (`[… lines 6–604 omitted: 599 passing tests]`). */
const OMISSION_NOTE_CHARS = 40;

/**
 * Whole lines, byte-identical and numbered where the agent numbers them, are the form to prefer: a
 * verbatim rewrite stands in only when the line plan cannot save enough. Judged on the content alone (no
 * wrapper prefixes), so the same content takes the same form raw and under any wrapper.
 */
function planSaves(env: Envelope, plan: LinePlan): boolean {
  let chars = 0;
  for (let i = 0; i < env.lines.length; i++) {
    if (plan.keep[i]) chars += env.lines[i]!.length + 1;
    else if (i === 0 || plan.keep[i - 1]) chars += OMISSION_NOTE_CHARS;
  }
  return chars < env.content.length * (1 - MIN_GAIN);
}

/** `lines 1–40`: where a rewrite under a wrapper came from, since its own lines carry no numbers. */
function sourceLines(env: Envelope): string {
  const first = env.numbers[0] ?? 1;
  const last = env.numbers.at(-1) ?? first;
  return first === last ? `line ${formatCount(first)}` : `lines ${formatCount(first)}–${formatCount(last)}`;
}

/** A form whose every kept value is the original text: the verbatim rewrite, else (wrapped) the excerpt. */
function verbatimForm(
  env: Envelope,
  compressor: Compressor,
  ctx: CompressorContext,
): RewriteResult | undefined {
  const rewritten = compressor.rewrite?.(env.content, ctx);
  if (rewritten?.verbatim === true) return rewritten;
  return env.exactLines ? compressor.excerpt?.(env.content, ctx) : undefined;
}

function attempt(
  env: Envelope,
  compressor: Compressor,
  ctx: CompressorContext,
  hint: string,
  hash: string,
): Attempt | undefined {
  // Bare content that a compressor re-encodes (HTML as text; such a compressor has a verbatim excerpt
  // for wrapped content) takes that form, as it always has.
  const bare = !env.exactLines && compressor.excerpt ? compressor.rewrite?.(env.content, ctx) : undefined;
  const planned = bare ? undefined : compressor.lines(env.lines, ctx);
  const plan = planned && withAgentNotes(env, planned);
  const usable = bare ?? (plan && planSaves(env, plan) ? undefined : verbatimForm(env, compressor, ctx));
  if (usable) {
    const what = usable.lossy
      ? `${compressor.kind} compressed (${usable.transform})`
      : `${compressor.kind} re-encoded losslessly (${usable.transform})`;
    const summary = env.wrapper === 'plain' ? what : `${what} from ${sourceLines(env)}, values verbatim`;
    return { text: sealed(env, usable.text, summary, hash, hint), transform: usable.transform };
  }
  if (!plan) return undefined;
  const { body, kept } = renderPlan(env, plan);
  const summary = `kept ${formatCount(kept)} of ${formatCount(env.lines.length)} lines (${compressor.kind})`;
  return { text: sealed(env, body, summary, hash, hint), transform: plan.transform };
}

/** True when a cut at `at` would split a surrogate pair: half an emoji is invalid text a provider may refuse. */
const splitsPair = (text: string, at: number): boolean => {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff;
};

/** Last resort under a hard character budget: the head and tail that fit, with a marker. */
function headTail(text: string, budget: number, hint: string, hash: string): Attempt {
  const marker = retrievalMarker(`cut to ${formatCount(budget)} characters (head and tail)`, hash, hint);
  const room = Math.max(0, budget - marker.length - 64);
  const headCut = Math.floor(room * 0.6);
  const headChars = splitsPair(text, headCut) ? headCut - 1 : headCut;
  const head = text.slice(0, text.lastIndexOf('\n', headChars) + 1 || headChars);
  const tailFrom = text.length - (room - head.length);
  const tailStart =
    text.indexOf('\n', tailFrom) + 1 || (splitsPair(text, tailFrom) ? tailFrom + 1 : tailFrom);
  const omitted = tailStart - head.length;
  return {
    text: `${head}[… ${formatCount(omitted)} characters omitted …]\n${text.slice(tailStart)}${text.endsWith('\n') ? '' : '\n'}${marker}`,
    transform: `cut:chars ${formatCount(text.length)}→${formatCount(budget)}`,
  };
}

/**
 * Compresses one block of tool output (or eligible text). Never throws: any fault leaves the block as
 * it was, with the reason as the action.
 */
export function compressBlock(
  input: BlockInput,
  options: ResolvedOptions,
  countTokens: (t: string) => number,
): BlockOutcome {
  const { text } = input;
  const tokensBefore = countTokens(text);
  try {
    if (text.length === 0) return unchanged('empty', tokensBefore);
    const budget = options.toolOutputBudget;
    if (tokensBefore < options.minTokensToCompress && !(budget !== undefined && text.length > budget)) {
      return unchanged('below-min-tokens', tokensBefore);
    }
    if (isAgentPreview(text)) return unchanged('agent-preview', tokensBefore);
    // A retrieved original compressed again would send the model round in circles.
    if (input.hint.toolName === RETRIEVE_TOOL) return unchanged('retrieval-answer', tokensBefore);
    if (looksBinary(text)) return unchanged('binary', tokensBefore);
    const env = openEnvelope(text);
    const compressor =
      detectCompressor(env.content, input.hint) ?? (env.lines.length > 40 ? logCompressor : undefined);
    if (!compressor) return unchanged('unknown-kind', tokensBefore);
    const kind = compressor.kind;
    if (kind === 'code' && input.analysis) return unchanged('analysis-context', tokensBefore, kind);
    if (input.hint.readRange) return unchanged('exact-read', tokensBefore, kind);
    // A source file the agent reads is likely one it will edit: it stays whole. Code found inside a saved
    // tool output (`…/tool-results/x.txt`), or a minified bundle nobody edits, is judged as anywhere else.
    if (
      kind === 'code' &&
      env.wrapper === 'line-numbered' &&
      !SAVED_OUTPUT.test(input.hint.filePath ?? '') &&
      !isMinified(env.content)
    )
      return unchanged('code-read', tokensBefore, kind);

    const hash = contentHash(text);
    const codexBudget = env.wrapper === 'codex-exec' ? budget : undefined;
    let best: Attempt | undefined;
    for (const factor of codexBudget === undefined ? [1] : [1, 0.5, 0.25, 0.1]) {
      const ctx: CompressorContext = {
        query: input.query,
        budgets: factor === 1 ? options.budgets : scaleBudgets(options.budgets, factor),
        hint: input.hint,
        countTokens,
      };
      best = attempt(env, compressor, ctx, options.retrievalHint, hash);
      if (!best || codexBudget === undefined || best.text.length <= codexBudget) break;
    }
    if (codexBudget !== undefined && text.length > codexBudget && (!best || best.text.length > codexBudget)) {
      best = headTail(text, codexBudget, options.retrievalHint, hash);
    }
    if (!best) return unchanged('nothing-to-drop', tokensBefore, kind);
    const tokensAfter = countTokens(best.text);
    const mustFit = codexBudget !== undefined && text.length > codexBudget;
    if (!mustFit && tokensAfter > tokensBefore * (1 - MIN_GAIN))
      return unchanged('no-gain', tokensBefore, kind);
    return {
      text: best.text,
      kind,
      transform: best.transform,
      hash,
      action: 'compressed',
      tokensBefore,
      tokensAfter,
    };
  } catch {
    return unchanged('compressor-error', tokensBefore);
  }
}
