/** What a block of tool output holds, as the router decides it. */
export type ContentKind =
  | 'json'
  | 'log'
  | 'search'
  | 'diff'
  | 'code'
  | 'listing'
  | 'csv'
  | 'html'
  | 'prose'
  | 'lockfile'
  | 'sql'
  | 'blame';

/** Words and identifiers from the user's last question before a block; they protect matching lines and items. */
export interface Query {
  /** Lower-cased terms (identifiers, numbers, paths, quoted phrases), stop words removed. */
  readonly terms: readonly string[];
  /** The raw question text, for compressors that want phrases. */
  readonly text: string;
  /**
   * The terms that name things (ids, numbers and years, versions, paths, dotted or dashed names,
   * camelCase, quoted phrases, proper names like `Acme Widgets`), lower-cased: each gets its own rows,
   * items, lines or hits before any ranking fills the rest. May hold phrases that are not in `terms`.
   * `extractQuery` always sets it; a query built by hand without it names nothing.
   */
  readonly entities?: readonly string[];
}

/** How much each compressor may keep; resolved from options and the savings profile. */
export interface Budgets {
  /** JSON: most array items kept verbatim (first, last, errors, outliers, query matches). */
  readonly maxItems: number;
  /** Logs: most lines kept. */
  readonly maxLogLines: number;
  /** Logs: most distinct error lines kept (each with context). */
  readonly maxErrors: number;
  /** Logs: most stack traces kept. */
  readonly maxStackTraces: number;
  /** Logs: context lines kept on each side of an error. */
  readonly errorContext: number;
  /** Search results: most matches, files, and matches per file kept. */
  readonly maxSearchMatches: number;
  readonly maxSearchFiles: number;
  readonly maxMatchesPerFile: number;
  /** Diffs: context lines kept around changes, hunks per file, files, and changed lines overall. */
  readonly diffContextLines: number;
  readonly maxHunksPerFile: number;
  readonly maxDiffFiles: number;
  readonly maxDiffChangedLines: number;
  /** Listings and tables: most rows kept. */
  readonly maxRows: number;
  /** Prose: fraction of sentences kept (0..1). */
  readonly targetRatio: number;
  /**
   * Prose: most lines the extract holds beyond what the question names, however long the document: a
   * 4,000-line changelog needs its outline and the parts asked about, not a third of its entries.
   */
  readonly maxProseLines: number;
}

/** What is known about where a block came from; any field may be missing. */
export interface BlockHint {
  /** The tool's name (`Bash`, `Read`, `exec_command`, an MCP tool…). */
  readonly toolName?: string;
  /** The shell command that produced the output, when the call had one. */
  readonly command?: string;
  /** The file the output was read from, when the call named one. */
  readonly filePath?: string;
  /** The call asked for an exact slice (`offset`/`limit`): the agent wants those lines as they are. */
  readonly readRange?: boolean;
}

/** Everything a compressor may look at besides its input. Pure: no I/O, no clock, no randomness. */
export interface CompressorContext {
  readonly query: Query;
  readonly budgets: Budgets;
  readonly hint: BlockHint;
  /** Tokens of a text for the request's model. */
  countTokens(text: string): number;
  /**
   * The text the lines given to `lines()` were split from (at `\n` or `\r\n`), when the caller has it:
   * a compressor may reuse what it learned of that text while detecting it (the JSON parse).
   */
  readonly content?: string;
}

/**
 * A line compressor's choice: which lines stay, byte for byte. Omitted lines form runs; the renderer
 * writes one note per run (`[… 2,875 lines omitted (212–3,087) …]`) and the retrieval marker.
 */
export interface LinePlan {
  /** One entry per input line: true keeps the line verbatim. */
  readonly keep: readonly boolean[];
  /**
   * Optional words for an omitted run [start, end) (0-based line indexes), e.g. `2,875 lines like "GET /api 200"`
   * or `312 passing tests`. Without it the note says only how many lines were omitted.
   */
  describe?(start: number, end: number): string | undefined;
  /** Summary lines the compressor adds after the kept content (counts, field statistics). Never replaces a kept line. */
  readonly summary?: readonly string[];
  /** Short report for `transformsApplied`, e.g. `log:lines 5000→80`. */
  readonly transform: string;
}

/** A compressor that re-encodes content (JSON to a table, HTML to text). Used only where exact lines are not required. */
export interface RewriteResult {
  readonly text: string;
  readonly transform: string;
  /** True when something was dropped (not a lossless re-encoding). */
  readonly lossy: boolean;
  /**
   * True when every kept value is the original text byte for byte (only structure, notes and the order
   * of lines are new): such a rewrite may stand in for lines an agent's wrapper requires kept whole.
   */
  readonly verbatim?: boolean;
}

/**
 * One compressor per content kind. `lines` keeps whole lines (works everywhere, including line-numbered
 * `Read` output); `rewrite`, where present, may be used on bare tool output. Either returns undefined to
 * decline (nothing worth doing, or the content is not what it expected).
 */
export interface Compressor {
  readonly kind: ContentKind;
  /** Cheap check: does this text look like this kind? Used by the router's detection. */
  detect(text: string, hint: BlockHint): boolean;
  lines(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined;
  rewrite?(text: string, ctx: CompressorContext): RewriteResult | undefined;
  /**
   * Present exactly when `rewrite` re-encodes (HTML as decoded text), which no agent's wrapper may take: a
   * form for wrapped content whose every kept run is the original text, each named by its line.
   */
  excerpt?(text: string, ctx: CompressorContext): RewriteResult | undefined;
}
