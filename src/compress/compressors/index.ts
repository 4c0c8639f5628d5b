import type { Compressor, ContentKind } from '../types.js';
import { codeCompressor } from './code.js';
import { csvCompressor } from './csv.js';
import { diffCompressor } from './diff.js';
import { htmlCompressor } from './html.js';
import { jsonCompressor } from './json.js';
import { listingCompressor } from './listing.js';
import { logCompressor } from './log.js';
import { proseCompressor } from './prose.js';
import { searchCompressor } from './search.js';

/** Detection order: the most specific shapes first, so a diff full of code is a diff, not code. */
export const COMPRESSORS: readonly Compressor[] = [
  jsonCompressor,
  diffCompressor,
  searchCompressor,
  htmlCompressor,
  csvCompressor,
  listingCompressor,
  logCompressor,
  codeCompressor,
  proseCompressor,
];

export const COMPRESSOR_BY_KIND: ReadonlyMap<ContentKind, Compressor> = new Map(
  COMPRESSORS.map((c) => [c.kind, c]),
);
