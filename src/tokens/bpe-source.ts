import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EncodingName, encodeTable } from './bpe-table.js';
import { propertyRanges } from './split-pattern.js';

/**
 * Derives a BPE table from the installed gpt-tokenizer, the one source of truth for the vocabulary,
 * the pre-tokenisation regex and the lookup rules: nothing is downloaded, and a table built from one
 * version is never used with another (see `sourceIdentity`).
 */

/** `gpt-tokenizer@<version>` of the installed package, read from its package.json. */
export function sourceIdentity(): string {
  const file = packageJsonPath();
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  if (pkg.name !== 'gpt-tokenizer' || typeof pkg.version !== 'string')
    throw new Error(`${file} names no gpt-tokenizer version`);
  return `gpt-tokenizer@${pkg.version}`;
}

/**
 * The installed gpt-tokenizer's package.json. Looked up the way node resolves a package, in each
 * ancestor's node_modules: a few file checks, where node's resolver (`createRequire`) costs ~2 ms of
 * a cold start. Where that finds none (a global folder, NODE_PATH), node's resolver finds the entry
 * point, and the package.json with the version is the nearest one above it that has one (esm/ and
 * cjs/ hold a package.json with only a name and a `type`).
 */
function packageJsonPath(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; ) {
    const file = path.join(dir, 'node_modules', 'gpt-tokenizer', 'package.json');
    if (existsSync(file)) return file;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (let dir = path.dirname(createRequire(import.meta.url).resolve('gpt-tokenizer')); ; ) {
    const file = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'gpt-tokenizer' && pkg.version !== undefined) return file;
    } catch {
      // no package.json at this level
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('gpt-tokenizer has no package.json above its entry point');
    dir = parent;
  }
}

type RankOfBytes = (bytes: Uint8Array) => number | undefined;

/** Builds the table file's bytes. Loads gpt-tokenizer's multi-megabyte vocabulary module. */
export async function buildTable(encoding: EncodingName): Promise<Buffer> {
  const [{ BytePairEncodingCore }, ranksModule, params] = await Promise.all([
    import('gpt-tokenizer/BytePairEncodingCore'),
    encoding === 'o200k_base'
      ? import('gpt-tokenizer/bpeRanks/o200k_base')
      : import('gpt-tokenizer/bpeRanks/cl100k_base'),
    encoding === 'o200k_base'
      ? import('gpt-tokenizer/encodingParams/o200k_base').then((m) => m.O200KBase)
      : import('gpt-tokenizer/encodingParams/cl100k_base').then((m) => m.Cl100KBase),
  ]);
  const vocabulary = ranksModule.default;
  const { tokenSplitRegex } = params(vocabulary);
  // The rank gpt-tokenizer finds for a byte string (its string map for valid UTF-8, a sorted list for
  // the rest): asking it, rather than re-deriving its rules, keeps duplicates and edge cases identical.
  const core = new BytePairEncodingCore({ bytePairRankDecoder: vocabulary, tokenSplitRegex });
  const rankOf = (core as unknown as { getBpeRankFromBytes?: RankOfBytes }).getBpeRankFromBytes?.bind(core);
  if (!rankOf)
    throw new Error(
      `${sourceIdentity()} no longer has getBpeRankFromBytes: update src/tokens/bpe-source.ts to its API`,
    );
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const seen = new Set<string>();
  const entries: [Uint8Array, number][] = [];
  vocabulary.forEach((token) => {
    const bytes = typeof token === 'string' ? encoder.encode(token) : Uint8Array.from(token);
    // Whole pieces are looked up as strings by gpt-tokenizer and as UTF-8 bytes here: the same thing
    // only for well-formed strings, which every string token is.
    if (typeof token === 'string' && decoder.decode(bytes) !== token)
      throw new Error(`${encoding} token ${JSON.stringify(token)} is not well-formed UTF-16`);
    const key = Buffer.from(bytes).toString('latin1');
    const rank = rankOf(bytes);
    if (rank === undefined || seen.has(key)) return;
    seen.add(key);
    entries.push([bytes, rank]);
  });
  const { source: pattern, flags } = tokenSplitRegex;
  const header = {
    encoding,
    source: sourceIdentity(),
    pattern,
    flags,
    propertyRanges: propertyRanges(pattern, flags),
  };
  return encodeTable(header, entries);
}
