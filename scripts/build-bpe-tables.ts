/**
 * Writes the precompiled BPE tables next to the built token counter (`dist/tokens/*.bpe`), derived from
 * the installed gpt-tokenizer, so the installed CLI and library load them in milliseconds from their
 * first run. Part of `npm run build` (and so of `prepack`); see src/tokens/bpe-load.ts for the fallbacks.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTable } from '../src/tokens/bpe-source.js';
import type { EncodingName } from '../src/tokens/bpe-table.js';

const OUT = fileURLToPath(new URL('../dist/tokens/', import.meta.url));
const ENCODINGS: EncodingName[] = ['o200k_base', 'cl100k_base'];

await mkdir(OUT, { recursive: true });
for (const encoding of ENCODINGS) {
  const file = path.join(OUT, `${encoding}.bpe`);
  await writeFile(`${file}.tmp`, await buildTable(encoding));
  await rename(`${file}.tmp`, file);
}
