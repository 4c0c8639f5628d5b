import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type EncodingName, encodeTable } from './bpe-table.js';

/**
 * Derives a BPE table from the installed gpt-tokenizer, the one source of truth for the vocabulary,
 * the pre-tokenisation regex and the lookup rules: nothing is downloaded, and a table built from one
 * version is never used with another (see `sourceIdentity`).
 */

/** `gpt-tokenizer@<version>` of the installed package, read from its package.json. */
export function sourceIdentity(): string {
  // The package's exports map `./*` to esm/*.js, so its package.json is found from its entry point.
  let dir = path.dirname(createRequire(import.meta.url).resolve('gpt-tokenizer'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'gpt-tokenizer') return `gpt-tokenizer@${pkg.version}`;
    } catch {
      // no package.json at this level (esm/ and cjs/ hold only a `type` marker)
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
  const header = {
    encoding,
    source: sourceIdentity(),
    pattern: tokenSplitRegex.source,
    flags: tokenSplitRegex.flags,
  };
  return encodeTable(header, entries);
}
