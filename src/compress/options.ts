import type { Budgets } from './types.js';

/** Named sets of defaults. `agent-90` compresses harder for long agent sessions. */
export type SavingsProfile = 'default' | 'agent-90';

/** Options of `compress()`; every field is optional except `model`. */
export interface CompressOptions {
  /** The model the messages are for; picks the tokenizer (and prices, in the CLI). */
  readonly model: string;
  /** Compress plain user text too (tool outputs are always eligible). Default false. */
  readonly compressUserMessages?: boolean;
  /**
   * Compress system/developer messages that sit inside `messages`. Default false: system prompts are
   * instructions the model must follow word for word, and providers cache them anyway.
   */
  readonly compressSystemMessages?: boolean;
  /**
   * The last N messages are left untouched. Default 0: a block whose form changes when it stops being
   * recent would rewrite earlier bytes of the conversation and bust the provider's prompt cache.
   */
  readonly protectRecent?: number;
  /** When the user asks to analyze/review/explain/debug code, code is not compressed. Default true. */
  readonly protectAnalysisContext?: boolean;
  /** Fraction of prose kept, 0 < r ≤ 1. Default 0.35. */
  readonly targetRatio?: number;
  /** Blocks under this many tokens pass through. Default 250. */
  readonly minTokensToCompress?: number;
  /** Default `default`; `agent-90` keeps fewer items and lines and compresses from 120 tokens. */
  readonly savingsProfile?: SavingsProfile;
  /** There is no ML step; `disabled` is accepted for compatibility and is the only behaviour. */
  readonly kompressModel?: 'disabled';
  /**
   * How a marker tells the model to get omitted content back. `{hash}` is replaced by the content hash.
   * Default: `headroom_retrieve hash={hash}`.
   */
  readonly retrievalHint?: string;
  /**
   * Tool-output budget in characters for shell command outputs: Codex `exec_command`, Gemini CLI and
   * Qwen Code shell results, and the raw outputs of `shellTools` (see `headroom wrap`); undefined means
   * no budget beyond normal compression.
   */
  readonly toolOutputBudget?: number;
  /**
   * Tools whose outputs arrive raw, with no envelope to tell them apart, yet are shell output held to
   * `toolOutputBudget` (opencode's `bash`). Default none.
   */
  readonly shellTools?: readonly string[];
  /**
   * Claude Code budget mode (see `headroom wrap claude`): each `Read` result is held to `readTokens`
   * and each saved Bash output given in `persistedOutputs` is shown within `bashChars`. Undefined: off.
   */
  readonly claudeBudget?: ClaudeBudget;
  /**
   * Whole outputs behind Claude Code's `<persisted-output>` previews, keyed by the preview text exactly
   * as sent. A shell that can safely read them (the proxy, next to the agent) supplies them; the core
   * never reads files. Used only with `claudeBudget`.
   */
  readonly persistedOutputs?: ReadonlyMap<string, string>;
}

/** Claude Code's own limits, which budget mode never exceeds. */
export interface ClaudeBudget {
  /** Tokens per `Read` result (Claude Code's default cap is 25,000). */
  readonly readTokens: number;
  /** Characters per Bash output (Claude Code sends outputs up to 30,000 inline). */
  readonly bashChars: number;
}

/** Options after validation, with profile defaults filled in. */
export interface ResolvedOptions {
  readonly model: string;
  readonly compressUserMessages: boolean;
  readonly compressSystemMessages: boolean;
  readonly protectRecent: number;
  readonly protectAnalysisContext: boolean;
  readonly minTokensToCompress: number;
  readonly savingsProfile: SavingsProfile;
  readonly retrievalHint: string;
  readonly toolOutputBudget: number | undefined;
  readonly shellTools: readonly string[];
  readonly claudeBudget: ClaudeBudget | undefined;
  readonly persistedOutputs: ReadonlyMap<string, string> | undefined;
  readonly budgets: Budgets;
}
