/**
 * The provider's own token report, normalised across APIs: `inputTokens` are input tokens NOT served from
 * the prompt cache (Anthropic's `input_tokens`; OpenAI's `prompt_tokens`/`input_tokens` minus
 * `cached_tokens`), so input + cache read + cache write is the whole prompt on every provider.
 */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

/** One proxied request, as appended to the savings ledger. Never holds content or secrets. */
export interface LedgerEntry {
  /** ISO time the request arrived. */
  readonly ts: string;
  /** `wrap` session id (or `proxy` for a standalone proxy), so one session's requests can be summed. */
  readonly session: string;
  /** Agent or client, from `wrap` or from the user agent: `claude`, `codex`, `aider`, `openai-sdk`, … */
  readonly agent: string;
  readonly provider: 'anthropic' | 'openai' | 'gemini';
  readonly model: string;
  /** Request path, without query string. */
  readonly path: string;
  readonly status: number;
  /**
   * Input tokens of the whole request (system prompt, tool definitions and messages) before and after
   * compression, as headroom's own tokenizer counts them.
   */
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
  readonly transforms: readonly string[];
  /** Why the request went through unchanged, when it did: `nothing-to-compress`, `unparseable-body`, `compression-error`, `timeout`, `disabled`, … */
  readonly passthroughReason?: string;
  /** Blocks sent raw while the others were compressed, by why (`timeout`, `store-error`, `compression-error`). */
  readonly blocksKeptRaw?: Readonly<Partial<Record<'timeout' | 'compression-error' | 'store-error', number>>>;
  readonly compressionMs: number;
  /** The provider's own usage report, when the response carried one. */
  readonly usage?: Usage;
  /** How the response body ended: `completed`, `broken` (the provider cut it or stalled), `cancelled` (the client left). */
  readonly stream?: 'completed' | 'broken' | 'cancelled';
  /** Total request latency as the client saw it, ms. */
  readonly latencyMs: number;
}
