import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContentKind } from '../../src/compress/types.js';

/** Where the tuning corpus lives: one `<name>.txt` per case plus `cases.json`. */
export const CORPUS_DIR = path.resolve(import.meta.dirname, '../../test/fixtures/corpus');
/**
 * The held-out set, in the same format: never looked at while tuning a compressor, scored apart
 * (`npm run bench:heldout`) so its numbers say how the tuning generalises.
 */
export const HELDOUT_DIR = path.resolve(import.meta.dirname, '../../test/fixtures/heldout');
/**
 * A second held-out set, captured after the first had been used to diagnose a regression (so the first is
 * no longer blind); scored with `npm run bench:heldout -- --set heldout-2`.
 */
export const HELDOUT_2_DIR = path.resolve(import.meta.dirname, '../../test/fixtures/heldout-2');
/**
 * A third held-out set, captured after the second had been used to diagnose defects; scored with
 * `npm run bench:heldout -- --set heldout-3`.
 */
export const HELDOUT_3_DIR = path.resolve(import.meta.dirname, '../../test/fixtures/heldout-3');

/** Every case set by the name the bench and the golden check give it, tuning corpus first. */
export const CASE_SETS = {
  corpus: CORPUS_DIR,
  heldout: HELDOUT_DIR,
  'heldout-2': HELDOUT_2_DIR,
  'heldout-3': HELDOUT_3_DIR,
} as const;

export type CaseSet = keyof typeof CASE_SETS;

/** The set a name on the command line means; throws naming the sets there are. */
export function caseSet(name: string): CaseSet {
  if (Object.hasOwn(CASE_SETS, name)) return name as CaseSet;
  throw new Error(`No case set named ${name}: expected one of ${Object.keys(CASE_SETS).join(', ')}`);
}

/**
 * What a case's output is, as a reader would call it: every kind the router assigns, and the kinds of
 * output the corpus covers before the router has a compressor of their own (lockfiles, SQL dumps,
 * `git blame`), so the bench shows how they are routed today.
 */
export type CorpusKind = ContentKind | 'lockfile' | 'sql' | 'blame';

export const CORPUS_KINDS: readonly CorpusKind[] = [
  'json',
  'log',
  'search',
  'diff',
  'code',
  'listing',
  'csv',
  'html',
  'prose',
  'lockfile',
  'sql',
  'blame',
];

/** One real tool output and what an agent needs from it. */
export interface CorpusCase {
  readonly name: string;
  /** File name inside the corpus directory, holding the raw output byte for byte. */
  readonly file: string;
  readonly kind: CorpusKind;
  /** The command that produced the output, as the agent typed it. */
  readonly command: string;
  /** The user's question the agent was answering when it ran the command. */
  readonly question: string;
  /** Exact substrings the answer depends on; compression must keep every one verbatim. */
  readonly needles: readonly string[];
}

function isKind(value: unknown): value is CorpusKind {
  return typeof value === 'string' && (CORPUS_KINDS as readonly string[]).includes(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/** Checks the shape of one entry of cases.json; returns what is wrong, or an empty list. */
export function caseProblems(entry: unknown): string[] {
  if (typeof entry !== 'object' || entry === null) return ['not an object'];
  const e = entry as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['name', 'file', 'command', 'question'] as const) {
    if (!isNonEmptyString(e[field])) problems.push(`\`${field}\` must be a non-empty string`);
  }
  if (!isKind(e.kind))
    problems.push(`\`kind\` must be one of ${CORPUS_KINDS.join(', ')}, got ${String(e.kind)}`);
  const needles = e.needles;
  if (!Array.isArray(needles) || needles.length < 1 || needles.length > 4) {
    problems.push('`needles` must be an array of 1 to 4 strings');
  } else if (!needles.every(isNonEmptyString)) {
    problems.push('every needle must be a non-empty string');
  }
  return problems;
}

/** Reads cases.json and validates every entry; throws with the first problems found. */
export async function loadCases(dir: string = CORPUS_DIR): Promise<CorpusCase[]> {
  const raw: unknown = JSON.parse(await readFile(path.join(dir, 'cases.json'), 'utf8'));
  if (!Array.isArray(raw)) throw new Error('cases.json must hold an array of cases');
  const problems = raw.flatMap((entry, i) => caseProblems(entry).map((p) => `case ${i}: ${p}`));
  if (problems.length > 0) throw new Error(`cases.json is invalid:\n${problems.join('\n')}`);
  return raw as CorpusCase[];
}

/** The raw output of a case. */
export function readCaseOutput(c: CorpusCase, dir: string = CORPUS_DIR): Promise<string> {
  return readFile(path.join(dir, c.file), 'utf8');
}
