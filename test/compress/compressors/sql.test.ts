import { describe, expect, it } from 'vitest';
import { sqlCompressor } from '../../../src/compress/compressors/sql/index.js';
import { contextFor, keptLines } from './line-fixtures.js';

/** A sqlite `.dump` of an installed-packages table: 300 rows, `tzdata` and `zlib1g` among them. */
function packagesDump(): string[] {
  const names = Array.from({ length: 300 }, (_, i) => `libpkg${String.fromCharCode(97 + (i % 26))}-${i}`);
  names[120] = 'tzdata';
  names[250] = 'zlib1g';
  return [
    'PRAGMA foreign_keys=OFF;',
    'BEGIN TRANSACTION;',
    'CREATE TABLE packages (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT, installed_kb INTEGER);',
    ...names.map((name, i) => `INSERT INTO packages VALUES(${i + 1},'${name}','1.${i}-1',${100 + i * 7});`),
    'COMMIT;',
  ];
}

describe('sqlCompressor', () => {
  it('keeps every statement and each row the question names, by a plain word as well as by a versioned name', () => {
    const lines = packagesDump();
    const plan = sqlCompressor.lines(
      lines,
      contextFor('Which versions of zlib1g and tzdata are in the packages table?', { maxRows: 40 }),
    );
    if (!plan) throw new Error('expected a plan');
    const kept = keptLines(lines, plan);
    expect(kept).toContain("INSERT INTO packages VALUES(121,'tzdata','1.120-1',940);");
    expect(kept).toContain("INSERT INTO packages VALUES(251,'zlib1g','1.250-1',1850);");
    for (const line of lines.filter((l) => !l.startsWith('INSERT'))) expect(kept).toContain(line);
    expect(kept.length).toBeLessThan(20);
  });
});
