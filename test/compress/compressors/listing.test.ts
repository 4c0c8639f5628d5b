import { describe, expect, it } from 'vitest';
import { listingCompressor } from '../../../src/compress/compressors/listing/index.js';
import type { CompressorContext, LinePlan } from '../../../src/compress/types.js';
import { contextFor, keptLines, rendered } from './line-fixtures.js';
import { findListing, lsLaListing } from './text-samples.js';

function plan(lines: readonly string[], ctx: CompressorContext): LinePlan {
  const result = listingCompressor.lines(lines, ctx);
  if (!result) throw new Error('expected a plan');
  return result;
}

const TREE = [
  '.',
  '├── package.json',
  '├── src',
  ...Array.from({ length: 30 }, (_, i) => `│   ├── module-${i}.ts`),
  '│   ├── billing',
  '│   │   ├── invoice.ts',
  '│   │   └── taxRates.ts',
  '│   └── index.ts',
  '└── test',
  ...Array.from({ length: 30 }, (_, i) => `    ├── module-${i}.test.ts`),
  '    └── setup.ts',
  '',
  '5 directories, 66 files',
];

describe('listingCompressor', () => {
  it('keeps the file the question names, the error and a bounded spread of a find listing', () => {
    const lines = findListing();
    const result = plan(lines, contextFor('Where is invoiceFormatter.ts?', { maxRows: 40 }));
    const kept = keptLines(lines, result);
    expect(kept).toContain('./src/services/billing/invoiceFormatter.ts');
    expect(kept).toContain("find: './private': Permission denied");
    expect(kept.slice(0, 5)).toEqual(lines.slice(0, 5));
    expect(kept.at(-1)).toBe(lines.at(-1));
    expect(kept.length).toBeLessThanOrEqual(42);
    // Each part of the tree shows up, not just the first directory.
    for (const dir of ['./src/hooks/', './test/components/', './public/assets/', './scripts/']) {
      expect(kept.some((l) => l.startsWith(dir))).toBe(true);
    }
    expect(result.transform).toBe(`listing:lines ${lines.length}→${kept.length}`);
  });

  it('describes an omitted run by its directory and file types', () => {
    const lines = findListing();
    const notes = rendered(lines, plan(lines, contextFor(''))).filter((l) => l.startsWith('[…'));
    expect(notes.some((n) => /entries under \.\/src\/components\/ \(\.tsx \d+/.test(n))).toBe(true);
    expect(notes.some((n) => /entries under \.\/public\/assets\/ \(\.svg \d+\)/.test(n))).toBe(true);
  });

  it('keeps ls -la rows whole, with the total, the largest file and the symlink the question names', () => {
    const lines = lsLaListing();
    const result = plan(lines, contextFor('what does latest point to?'));
    const kept = keptLines(lines, result);
    expect(kept[0]).toBe('total 48212');
    expect(kept).toContain('-rw-r--r--   1 dev staff 48213377 Mar 14 09:10 vendor.bundle.js');
    expect(kept).toContain('lrwxr-xr-x   1 dev staff      21 Mar 14 09:12 latest -> chunk-0001.js');
    expect(result.summary?.[0]).toMatch(/^listing: 403 entries in 1 directory; \.js 400, dirs 2/);
  });

  it('keeps the directories above a kept line of a tree drawing, and its closing count', () => {
    const result = plan(TREE, contextFor('open taxRates.ts'));
    const kept = keptLines(TREE, result);
    expect(kept).toEqual(expect.arrayContaining(['├── src', '│   ├── billing', '│   │   └── taxRates.ts']));
    expect(kept.at(-1)).toBe('5 directories, 66 files');
  });

  it('keeps the header of each ls -R directory that still shows an entry', () => {
    const lines: string[] = [];
    for (let d = 0; d < 6; d++) {
      if (d > 0) lines.push('');
      lines.push(`./pkg${d}:`, ...Array.from({ length: 20 }, (_, i) => `file-${d}-${i}.go`));
    }
    const kept = keptLines(lines, plan(lines, contextFor('where is file-4-13.go', { maxRows: 10 })));
    expect(kept).toEqual(expect.arrayContaining(['./pkg4:', 'file-4-13.go', './pkg0:']));
  });

  it('leaves a listing within the row budget alone', () => {
    expect(
      listingCompressor.lines(findListing().slice(0, 45), contextFor('', { maxRows: 50 })),
    ).toBeUndefined();
  });

  it('recognises find, ls and tree output but not prose or code', () => {
    expect(listingCompressor.detect(findListing().join('\n'), {})).toBe(true);
    expect(listingCompressor.detect(lsLaListing().join('\n'), {})).toBe(true);
    expect(listingCompressor.detect(TREE.join('\n'), {})).toBe(true);
    const prose = Array.from(
      { length: 20 },
      (_, i) => `The service restarted ${i} times: see the log for details.`,
    );
    expect(listingCompressor.detect(prose.join('\n'), {})).toBe(false);
    const code = Array.from({ length: 20 }, (_, i) => `  const value${i} = compute(${i});`);
    expect(listingCompressor.detect(code.join('\n'), {})).toBe(false);
  });
});
