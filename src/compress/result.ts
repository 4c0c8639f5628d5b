/** What happened to one eligible block; `simulate()` returns these. */
export interface BlockDecision {
  /** Index of the message (or Responses item) that holds the block. */
  readonly messageIndex: number;
  /** Where the block sits, e.g. `tool_result`, `tool`, `function_call_output`, `user`. */
  readonly location: string;
  readonly kind: string | undefined;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  /** `compressed`, or why not: `below-min-tokens`, `protected-recent`, `analysis-context`, `no-gain`, … */
  readonly action: string;
  readonly transform?: string;
  /** Content hash of the original, present when the block was compressed. */
  readonly hash?: string;
}

/** The result of `compress()`: the same structure as given, with fewer tokens. */
export interface CompressResult<M> {
  readonly messages: M;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
  /** Fraction of tokens removed, 0..1. */
  readonly compressionRatio: number;
  /** One entry per compressed block, e.g. `json:items 1000→24`. */
  readonly transformsApplied: readonly string[];
  /** Per-block decisions, in order. */
  readonly blocks: readonly BlockDecision[];
}

/** The pure core's result: also hands back the originals of every compressed block, keyed by hash. */
export interface CoreResult<M> extends CompressResult<M> {
  readonly originals: ReadonlyMap<string, string>;
}
