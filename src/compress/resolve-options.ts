import { describeValue, HeadroomError, rejectUnknownKeys } from '../errors.js';
import type { ClaudeBudget, ResolvedOptions, SavingsProfile } from './options.js';
import type { Budgets } from './types.js';

/** The `default` profile's budgets; tests build their compressor contexts from these too. */
export const DEFAULT_BUDGETS: Budgets = {
  maxItems: 20,
  maxLogLines: 100,
  maxErrors: 10,
  maxStackTraces: 3,
  errorContext: 2,
  maxSearchMatches: 30,
  maxSearchFiles: 15,
  maxMatchesPerFile: 5,
  diffContextLines: 2,
  maxHunksPerFile: 6,
  maxDiffFiles: 12,
  maxDiffChangedLines: 300,
  maxRows: 40,
  targetRatio: 0.35,
  maxProseLines: 300,
};

const AGENT_90_BUDGETS: Budgets = {
  ...DEFAULT_BUDGETS,
  maxItems: 12,
  maxLogLines: 60,
  maxErrors: 8,
  maxStackTraces: 2,
  maxSearchMatches: 20,
  maxSearchFiles: 10,
  maxMatchesPerFile: 4,
  diffContextLines: 1,
  maxHunksPerFile: 4,
  maxDiffFiles: 8,
  maxDiffChangedLines: 200,
  maxRows: 25,
  targetRatio: 0.25,
  maxProseLines: 200,
};

const PROFILES: Record<SavingsProfile, { budgets: Budgets; minTokens: number }> = {
  default: { budgets: DEFAULT_BUDGETS, minTokens: 250 },
  'agent-90': { budgets: AGENT_90_BUDGETS, minTokens: 120 },
};

/** The tool the SDK adapters add so the model can ask for an original back; markers name it by default. */
export const RETRIEVE_TOOL = 'headroom_retrieve';
export const DEFAULT_RETRIEVAL_HINT = `${RETRIEVE_TOOL} hash={hash}`;

const KNOWN = new Set<string>([
  'model',
  'compressUserMessages',
  'compressSystemMessages',
  'protectRecent',
  'protectAnalysisContext',
  'targetRatio',
  'minTokensToCompress',
  'savingsProfile',
  'kompressModel',
  'retrievalHint',
  'toolOutputBudget',
  'shellTools',
  'claudeBudget',
  'persistedOutputs',
]);

/** Below these, budget mode has no room for the errors, summaries and markers it must keep. */
export const MIN_READ_BUDGET_TOKENS = 1_000;
export const MIN_BASH_BUDGET_CHARS = 1_000;

function invalid(
  name: string,
  expected: string,
  value: unknown,
  fix = `Pass a valid \`${name}\` or leave it out to use the default.`,
): HeadroomError {
  return new HeadroomError(
    'INVALID_OPTION',
    `Expected the \`${name}\` option to be ${expected}, got ${describeValue(value)}.`,
    { fix },
  );
}

function bool(o: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const v = o[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw invalid(name, 'a boolean', v);
  return v;
}

function nonNegativeInt(o: Record<string, unknown>, name: string, fallback: number): number {
  const v = o[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw invalid(name, 'a non-negative integer', v);
  return v;
}

/** Checks options where they enter the library and fills in the profile's defaults. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `Expected options to be an object, got ${describeValue(options)}.`,
      {
        fix: "Call compress(messages, { model: 'gpt-4o' }).",
      },
    );
  }
  const o = options as Record<string, unknown>;
  rejectUnknownKeys(o, KNOWN);
  if (typeof o.model !== 'string' || o.model.length === 0)
    // The one option without a default: it picks the tokenizer.
    throw invalid(
      'model',
      'a non-empty string',
      o.model,
      "Pass the model the messages are for, e.g. { model: 'gpt-4o' }.",
    );
  const profileName = o.savingsProfile ?? 'default';
  if (profileName !== 'default' && profileName !== 'agent-90') {
    throw invalid('savingsProfile', '`default` or `agent-90`', profileName);
  }
  if (o.kompressModel !== undefined && o.kompressModel !== 'disabled') {
    throw invalid('kompressModel', '`disabled` (headroom has no ML step)', o.kompressModel);
  }
  const profile = PROFILES[profileName];
  let budgets = profile.budgets;
  if (o.targetRatio !== undefined) {
    const r = o.targetRatio;
    if (typeof r !== 'number' || !(r > 0 && r <= 1)) throw invalid('targetRatio', 'a number in (0, 1]', r);
    budgets = { ...budgets, targetRatio: r };
  }
  const hint = o.retrievalHint ?? DEFAULT_RETRIEVAL_HINT;
  if (typeof hint !== 'string' || !hint.includes('{hash}')) {
    throw invalid('retrievalHint', 'a string containing `{hash}`', hint);
  }
  const budget = o.toolOutputBudget;
  if (budget !== undefined && (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1000)) {
    throw invalid('toolOutputBudget', 'an integer of at least 1000 (characters)', budget);
  }
  return {
    model: o.model,
    claudeBudget: claudeBudget(o.claudeBudget),
    persistedOutputs: persistedOutputs(o.persistedOutputs),
    compressUserMessages: bool(o, 'compressUserMessages', false),
    compressSystemMessages: bool(o, 'compressSystemMessages', false),
    protectRecent: nonNegativeInt(o, 'protectRecent', 0),
    protectAnalysisContext: bool(o, 'protectAnalysisContext', true),
    minTokensToCompress: nonNegativeInt(o, 'minTokensToCompress', profile.minTokens),
    savingsProfile: profileName,
    retrievalHint: hint,
    toolOutputBudget: budget,
    shellTools: shellTools(o.shellTools),
    budgets,
  };
}

function shellTools(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== ''))
    throw invalid('shellTools', 'an array of tool names', value);
  return [...value];
}

function claudeBudget(value: unknown): ClaudeBudget | undefined {
  if (value === undefined) return undefined;
  const expected = `{ readTokens ≥ ${MIN_READ_BUDGET_TOKENS}, bashChars ≥ ${MIN_BASH_BUDGET_CHARS} } (integers)`;
  if (typeof value !== 'object' || value === null) throw invalid('claudeBudget', expected, value);
  rejectUnknownKeys(value, ['readTokens', 'bashChars'], 'claudeBudget');
  const { readTokens, bashChars } = value as Record<string, unknown>;
  const atLeast = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;
  if (!atLeast(readTokens, MIN_READ_BUDGET_TOKENS) || !atLeast(bashChars, MIN_BASH_BUDGET_CHARS))
    throw invalid('claudeBudget', expected, value);
  return { readTokens, bashChars };
}

function persistedOutputs(value: unknown): ReadonlyMap<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Map)) throw invalid('persistedOutputs', 'a Map from preview text to output', value);
  for (const [k, v] of value) {
    if (typeof k !== 'string' || typeof v !== 'string')
      throw invalid('persistedOutputs', 'a Map of strings to strings', value);
  }
  return value as ReadonlyMap<string, string>;
}

/** A stable string of everything in the options that changes a block's compressed form (for memo keys). */
export function optionsFingerprint(o: ResolvedOptions): string {
  return JSON.stringify([
    o.model,
    o.protectAnalysisContext,
    o.minTokensToCompress,
    o.savingsProfile,
    o.retrievalHint,
    o.toolOutputBudget ?? null,
    o.shellTools,
    o.claudeBudget ?? null,
    o.budgets,
  ]);
}
