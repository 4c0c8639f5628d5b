import { isMinified } from './compressors/code/minified.js';
import { logCompressor } from './compressors/log/index.js';
import { detectCompressor, readsFile } from './detect.js';
import { contentHash } from './hash.js';
import type { ResolvedOptions } from './options.js';
import { isSealed, renderPlan, retrievalMarker } from './render.js';
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
import { type Envelope, isAgentPreview, isShellOutput, openEnvelope } from './wrappers/index.js';

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
  /** The user asked for content whole (port, translate, verbatim…): code and file reads stay whole. */
  readonly readAll?: boolean;
  /** The whole output behind an agent's `<persisted-output>` preview, when the shell could read it. */
  readonly persisted?: string | undefined;
}

/** A compression must save at least this fraction, or the exact original is worth more. */
const MIN_GAIN = 0.1;
/**
 * Lines that say an agent already cut the output (Codex's `…195798 chars truncated…`, Claude Code's
 * `... [19396 characters truncated] ...` in a failed command's output, Gemini CLI's `... [123,456 characters
 * omitted] ...` and Qwen Code's `... [CONTENT TRUNCATED] ...` between the head and tail they kept); kept
 * so the model knows.
 */
const AGENT_NOTE =
  /chars truncated|characters truncated|tokens truncated|output truncated|Total output lines:|^\.\.\. \[[\d,]+ characters omitted\] \.\.\.$|^\.\.\. \[CONTENT TRUNCATED\] \.\.\.$/im;
/** What every agent note holds: one pass for it rules out most blocks at half the cost of AGENT_NOTE's. */
const AGENT_NOTE_HINT = /truncated|total output lines:|characters omitted/i;

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
    maxProseLines: s(b.maxProseLines),
  };
}

/** Keeps lines an agent wrote about its own truncation, whatever the compressor chose. */
function withAgentNotes(env: Envelope, plan: LinePlan): LinePlan {
  // Every line is a piece of the content and the pattern never spans lines: one pass over the content
  // rules out most blocks at a quarter of the cost of testing line by line.
  if (!AGENT_NOTE_HINT.test(env.content) || !AGENT_NOTE.test(env.content)) return plan;
  const keep = plan.keep.slice();
  for (let i = 0; i < env.lines.length; i++) if (AGENT_NOTE.test(env.lines[i]!)) keep[i] = true;
  return { ...plan, keep };
}

interface Attempt {
  readonly text: string;
  readonly transform: string;
  /** Content hash its marker names (the original is stored under it); none when nothing is retrievable. */
  readonly hash?: string;
}

/**
 * The wrapper's head, the compressed body, the retrieval marker on a line of its own, and the wrapper's
 * tail (which starts with its own line break).
 */
function sealed(env: Envelope, body: string, summary: string, hash: string, hint: string): string {
  const sep = body.endsWith('\n') ? '' : '\n';
  return `${env.head}${body}${sep}${retrievalMarker(summary, hash, hint)}${env.tail}`;
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
    return { text: sealed(env, usable.text, summary, hash, hint), transform: usable.transform, hash };
  }
  if (!plan) return undefined;
  const { body, kept } = renderPlan(env, plan);
  const summary = `kept ${formatCount(kept)} of ${formatCount(env.lines.length)} lines (${compressor.kind})`;
  return { text: sealed(env, body, summary, hash, hint), transform: plan.transform, hash };
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
    hash,
  };
}

/** The smallest share of the compressors' budgets tried under a hard limit. */
const MIN_BUDGET_SHARE = 0.02;
/** Halvings of the budget-share interval: the kept share ends within ~1.5% of the richest that fits. */
const BUDGET_SEARCH_STEPS = 6;

/** A hard ceiling a block's result must stay under, in the unit its agent counts. */
interface Limit {
  readonly max: number;
  measure(text: string): number;
  /** What to send when compression cannot get under the ceiling; undefined leaves the block as it was. */
  fallback(): Attempt | undefined;
}

/**
 * The compression to send: the plain one when no limit applies or it fits; else the richest that fits
 * (the compressors' budgets scaled by the largest share found by bisection, so the view keeps as many
 * errors, named items and summary lines as the limit allows); else the limit's fallback.
 */
function fitted(
  env: Envelope,
  compressor: Compressor,
  input: BlockInput,
  options: ResolvedOptions,
  countTokens: (t: string) => number,
  hash: string,
  limit: Limit | undefined,
): Attempt | undefined {
  const at = (share: number): Attempt | undefined => {
    const ctx: CompressorContext = {
      query: input.query,
      budgets: share === 1 ? options.budgets : scaleBudgets(options.budgets, share),
      hint: input.hint,
      countTokens,
      content: env.content,
    };
    return attempt(env, compressor, ctx, options.retrievalHint, hash);
  };
  const full = at(1);
  if (limit === undefined) return full;
  const fits = (a: Attempt | undefined): a is Attempt =>
    a !== undefined && limit.measure(a.text) <= limit.max;
  if (fits(full)) return full;
  let best = at(MIN_BUDGET_SHARE);
  if (!fits(best)) return limit.fallback();
  let lo = MIN_BUDGET_SHARE;
  let hi = 1;
  for (let i = 0; i < BUDGET_SEARCH_STEPS; i++) {
    const mid = (lo + hi) / 2;
    const tried = at(mid);
    if (fits(tried)) {
      best = tried;
      lo = mid;
    } else hi = mid;
  }
  return best;
}

/** Claude Code's `Read` tool: whole files, line-numbered. */
const isClaudeRead = (input: BlockInput): boolean => input.hint.toolName === 'Read' && !input.hint.readRange;

/**
 * A shell command's output: inside an agent's envelope, or from a tool the options name (opencode's
 * `bash` sends its output with no envelope at all), whatever shape the output has (`cat -n` prints
 * line-numbered lines, which still came from the shell).
 */
const isShellResult = (env: Envelope, input: BlockInput, options: ResolvedOptions): boolean =>
  isShellOutput(env) ||
  (input.hint.toolName !== undefined && options.shellTools.includes(input.hint.toolName));

/**
 * The ceiling for this block, or undefined when none applies: shell outputs in characters (the agent's
 * own cut), Claude Code's whole-file Reads in tokens (Claude Code's own cap). A Read Claude Code already
 * cut itself (its PARTIAL-view reminder is the envelope's head) has met its cap and gets none.
 */
function limitFor(
  env: Envelope,
  input: BlockInput,
  options: ResolvedOptions,
  countTokens: (t: string) => number,
): Limit | undefined {
  const { text } = input;
  const shell = options.toolOutputBudget;
  if (shell !== undefined && text.length > shell && isShellResult(env, input, options)) {
    return {
      max: shell,
      measure: (t) => t.length,
      fallback: () => headTail(text, shell, options.retrievalHint, contentHash(text)),
    };
  }
  const read = options.claudeBudget?.readTokens;
  if (read !== undefined && isClaudeRead(input) && env.wrapper === 'line-numbered' && env.head === '') {
    const measure = claudeTokens(countTokens);
    if (measure(text) <= read) return undefined;
    return { max: read, measure, fallback: () => firstPage(env, read, measure, input) };
  }
  return undefined;
}

/**
 * Claude Code measures its Read cap with the API's count_tokens, which runs about 3 characters a token on
 * code and JSON, more tokens than headroom's estimate on those; the budget takes whichever count is
 * higher, so a result never goes over Claude Code's own count.
 */
const API_CHARS_PER_TOKEN = 3;
const claudeTokens =
  (countTokens: (t: string) => number) =>
  (text: string): number =>
    Math.max(countTokens(text), Math.ceil(text.length / API_CHARS_PER_TOKEN));

/** Claude Code's first page of an over-cap Read is about this share of its cap. */
const FIRST_PAGE_SHARE = 0.85;

/**
 * What Claude Code itself sends for a Read over its cap: the first lines that fit about 85% of the
 * budget, under a reminder that says which lines these are, where the file is and where to go on from.
 */
function firstPage(
  env: Envelope,
  budget: number,
  countTokens: (t: string) => number,
  input: BlockInput,
): Attempt {
  const total = env.lines.length;
  const page = (n: number): string => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(env.prefixes[i]!, env.lines[i]!, i < n - 1 ? env.eols[i]! : '');
    return out.join('');
  };
  const target = Math.floor(budget * FIRST_PAGE_SHARE);
  let lo = 0;
  let hi = total;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countTokens(page(mid)) <= target) lo = mid;
    else hi = mid - 1;
  }
  const shown = Math.max(1, lo);
  const last = env.numbers[shown - 1]!;
  const where =
    input.hint.filePath === undefined ? 'The file' : `The whole file is at ${input.hint.filePath}`;
  const note =
    `<system-reminder>[Truncated: PARTIAL view — showing lines ${env.numbers[0]}-${last} of ${env.numbers[total - 1]} total ` +
    `(over the ${formatCount(budget)}-token budget). ${where}: call Read with offset=${last + 1} limit=${shown} for the next page, ` +
    'or Grep to find a specific section. Do NOT answer from this page alone if the answer may be further in the file.]' +
    '</system-reminder>\n\n';
  return {
    text: `${note}${page(shown)}`,
    transform: `read:first-page ${formatCount(total)}→${formatCount(shown)} lines`,
  };
}

/**
 * A saved Bash output (the whole text behind Claude Code's `<persisted-output>` preview) shown within
 * `bashChars`: whole when it fits, else compressed until it does. When it cannot fit, the preview goes
 * as Claude Code sent it.
 */
function expandPreview(
  input: BlockInput,
  whole: string,
  bashChars: number,
  options: ResolvedOptions,
  countTokens: (t: string) => number,
  tokensBefore: number,
): BlockOutcome {
  const done = (best: Attempt, kind: ContentKind | undefined): BlockOutcome => ({
    ...outcome(best, kind, tokensBefore, countTokens),
    action: 'expanded',
  });
  if (whole.length <= bashChars)
    return done({ text: whole, transform: `bash:whole ${formatCount(whole.length)} chars` }, undefined);
  if (looksBinary(whole)) return unchanged('binary', tokensBefore);
  const env = openEnvelope(whole);
  const compressor =
    detectCompressor(env.content, input.hint) ?? (env.lines.length > 40 ? logCompressor : undefined);
  if (!compressor) return unchanged('over-budget', tokensBefore);
  const hash = contentHash(whole);
  const limit: Limit = { max: bashChars, measure: (t) => t.length, fallback: () => undefined };
  const best = fitted(env, compressor, input, options, countTokens, hash, limit);
  if (!best) return unchanged('over-budget', tokensBefore, compressor.kind);
  return done(best, compressor.kind);
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
    if (isAgentPreview(text)) {
      const bashChars = options.claudeBudget?.bashChars;
      if (bashChars === undefined || input.persisted === undefined)
        return unchanged('agent-preview', tokensBefore);
      return expandPreview(input, input.persisted, bashChars, options, countTokens, tokensBefore);
    }
    const budget = options.toolOutputBudget;
    if (tokensBefore < options.minTokensToCompress && !(budget !== undefined && text.length > budget)) {
      return unchanged('below-min-tokens', tokensBefore);
    }
    // A retrieved original compressed again would send the model round in circles. MCP clients prefix
    // the tool's name with the server's (`mcp__headroom__headroom_retrieve` in Claude Code and Codex).
    const tool = input.hint.toolName;
    if (tool === RETRIEVE_TOOL || tool?.endsWith(`__${RETRIEVE_TOOL}`))
      return unchanged('retrieval-answer', tokensBefore);
    if (isSealed(text)) return unchanged('already-compressed', tokensBefore);
    if (looksBinary(text)) return unchanged('binary', tokensBefore);
    const env = openEnvelope(text);
    // Under a wrapper with a tail, the marker ends the content, not the text.
    if (env.tail !== '' && isSealed(env.content)) return unchanged('already-compressed', tokensBefore);
    const limit = limitFor(env, input, options, countTokens);
    const compressor =
      detectCompressor(env.content, input.hint) ?? (env.lines.length > 40 ? logCompressor : undefined);
    const kind = compressor?.kind;
    // Whatever keeps a block whole by design, a block over its agent's own ceiling gets that agent's cut.
    const whole = (action: string): BlockOutcome => {
      const cut = limit?.fallback();
      return cut ? outcome(cut, kind, tokensBefore, countTokens) : unchanged(action, tokensBefore, kind);
    };
    if (!compressor) return whole('unknown-kind');
    if (kind === 'code' && input.analysis) return whole('analysis-context');
    if (input.readAll && (readsFile(input.hint) || env.wrapper === 'line-numbered'))
      return whole('read-all-context');
    if (input.hint.readRange) return unchanged('exact-read', tokensBefore, kind);
    // A source file the agent reads is likely one it will edit: it stays whole. Code found inside a saved
    // tool output (`…/tool-results/x.txt`), or a minified bundle nobody edits, is judged as anywhere else.
    if (
      kind === 'code' &&
      env.wrapper === 'line-numbered' &&
      !SAVED_OUTPUT.test(input.hint.filePath ?? '') &&
      !isMinified(env.content)
    )
      return whole('code-read');

    const hash = contentHash(text);
    const best = fitted(env, compressor, input, options, countTokens, hash, limit);
    if (!best) return unchanged('nothing-to-drop', tokensBefore, kind);
    const result = outcome(best, kind, tokensBefore, countTokens);
    if (limit === undefined && result.tokensAfter > tokensBefore * (1 - MIN_GAIN))
      return unchanged('no-gain', tokensBefore, kind);
    return result;
  } catch {
    return unchanged('compressor-error', tokensBefore);
  }
}

function outcome(
  best: Attempt,
  kind: ContentKind | undefined,
  tokensBefore: number,
  countTokens: (t: string) => number,
): BlockOutcome {
  return {
    text: best.text,
    kind,
    transform: best.transform,
    hash: best.hash,
    action: 'compressed',
    tokensBefore,
    tokensAfter: countTokens(best.text),
  };
}
