import type { Compressor, ContentKind } from '../types.js';
import { blameCompressor } from './blame/index.js';
import { codeCompressor } from './code/index.js';
import { csvCompressor } from './csv/index.js';
import { diffCompressor } from './diff/index.js';
import { htmlCompressor } from './html/index.js';
import { jsonCompressor } from './json/index.js';
import { listingCompressor } from './listing/index.js';
import { lockfileCompressor } from './lockfile/index.js';
import { logCompressor } from './log/index.js';
import { proseCompressor } from './prose/index.js';
import { searchCompressor } from './search/index.js';
import { sqlCompressor } from './sql/index.js';

/**
 * Detection order: the most specific shapes first, so a diff full of code is a diff, not code, a
 * package-lock.json a lockfile, not any JSON, and an INSERT dump SQL, not a comma-separated table.
 */
export const COMPRESSORS: readonly Compressor[] = [
  lockfileCompressor,
  jsonCompressor,
  diffCompressor,
  blameCompressor,
  searchCompressor,
  htmlCompressor,
  sqlCompressor,
  csvCompressor,
  listingCompressor,
  logCompressor,
  codeCompressor,
  proseCompressor,
];

export const COMPRESSOR_BY_KIND: ReadonlyMap<ContentKind, Compressor> = new Map(
  COMPRESSORS.map((c) => [c.kind, c]),
);
