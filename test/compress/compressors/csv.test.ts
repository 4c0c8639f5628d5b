import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR } from '../../../scripts/corpus/cases.js';
import { csvCompressor } from '../../../src/compress/compressors/csv/index.js';
import type { CompressorContext, LinePlan } from '../../../src/compress/types.js';
import { contextFor, keptLines, rendered } from './line-fixtures.js';
import { ordersCsv } from './text-samples.js';

function plan(lines: readonly string[], ctx: CompressorContext): LinePlan {
  const result = csvCompressor.lines(lines, ctx);
  if (!result) throw new Error('expected a plan');
  return result;
}

describe('csvCompressor', () => {
  it('keeps the header, the row the question names, and at most maxRows rows of a 10,000-row export', () => {
    const lines = ordersCsv(10_000);
    const result = plan(lines, contextFor('What did Globex Corporation order?', { maxRows: 40 }));
    const kept = keptLines(lines, result);
    expect(kept[0]).toBe('order_id,customer,region,status,amount_usd,created_at');
    expect(kept.some((l) => l.includes('Globex Corporation'))).toBe(true);
    expect(kept.length - 1).toBeLessThanOrEqual(40);
    expect(kept).toContain(lines[1]);
    expect(kept).toContain(lines.at(-1));
    expect(result.transform).toBe(`csv:rows 10000→${kept.length - 1}`);
  });

  it('keeps a row for each thing the question names, however far a hard limit tightens maxRows', () => {
    // The corpus's real `dpkg-query` export; the budget loop under a Codex or Claude limit can go to one row.
    const lines = readFileSync(path.join(CORPUS_DIR, 'csv-dpkg-packages.txt'), 'utf8').split('\n');
    const ctx = contextFor(
      'Which version of libssl3 is installed, and how much disk does postgresql-15 take?',
      {
        maxRows: 1,
      },
    );
    const kept = keptLines(lines, plan(lines, ctx));
    expect(kept).toContain('libssl3,3.0.19-1~deb12u2,amd64,6029');
    expect(kept).toContain('postgresql-15,15.18-0+deb12u1,amd64,53045');
  });

  it('keeps rows with error words and numeric outliers', () => {
    const lines = ordersCsv(10_000);
    const kept = keptLines(lines, plan(lines, contextFor('')));
    expect(kept.some((l) => l.includes(',failed,'))).toBe(true);
    expect(kept.some((l) => l.includes(',98000.00,'))).toBe(true);
  });

  it('summarises each column over the omitted rows', () => {
    const lines = ordersCsv(10_000);
    const summary = plan(lines, contextFor('')).summary?.join('\n') ?? '';
    expect(summary).toMatch(/^csv: 9,99\d rows omitted; /);
    expect(summary).toContain('region 4 distinct: ');
    expect(summary).toMatch(/status \d distinct: paid ×9,\d{3}, refunded ×\d+/);
    expect(summary).toMatch(/amount_usd 40\.\d+–199\.\d+ \(mean \d+/);
    expect(summary).toContain('created_at 2025-02-01T10:00:00Z–2025-02-28T10:00:00Z');
  });

  it('describes an omitted run of rows by its first column', () => {
    const lines = ordersCsv(200);
    const notes = rendered(lines, plan(lines, contextFor(''))).filter((l) => l.startsWith('[…'));
    expect(notes[0]).toMatch(/^\[… \d+ omitted: \d+ rows \(order_id ORD-000004 … ORD-\d{6}\)\]$/);
  });

  it('keeps or drops a row with a quoted line break as a whole', () => {
    const lines = ['id,comment,score'];
    for (let i = 0; i < 120; i++) {
      if (i === 60) lines.push('60,"first line of a note', 'second line, quoted",7');
      else lines.push(`${i},plain comment ${i},${i % 10}`);
    }
    const result = plan(lines, contextFor('which row has a second line?'));
    const at = lines.indexOf('60,"first line of a note');
    expect(result.keep[at]).toBe(true);
    expect(result.keep[at + 1]).toBe(true);
    const quiet = plan(lines, contextFor(''));
    expect(quiet.keep[at]).toBe(quiet.keep[at + 1]);
  });

  it('keeps a markdown table’s header rule with its header', () => {
    const lines = ['| name | version | license |', '| --- | --- | --- |'];
    for (let i = 0; i < 80; i++) lines.push(`| pkg-${i} | 1.${i}.0 | ${i === 33 ? 'MPL-2.0' : 'MIT'} |`);
    const kept = keptLines(lines, plan(lines, contextFor('which package is MPL-2.0?', { maxRows: 10 })));
    expect(kept.slice(0, 2)).toEqual(lines.slice(0, 2));
    expect(kept).toContain('| pkg-33 | 1.33.0 | MPL-2.0 |');
  });

  it('leaves a table within the row budget alone', () => {
    expect(csvCompressor.lines(ordersCsv(40), contextFor('', { maxRows: 40 }))).toBeUndefined();
  });

  it('recognises comma, tab and pipe tables but not prose or logs with commas', () => {
    expect(csvCompressor.detect(ordersCsv(50).join('\n'), {})).toBe(true);
    expect(csvCompressor.detect(ordersCsv(50).join('\n').replaceAll(',', '\t'), {})).toBe(true);
    expect(csvCompressor.detect('anything', { filePath: 'data/export.tsv' })).toBe(true);
    const prose = Array.from({ length: 30 }, (_, i) =>
      i % 2
        ? `Then, after step ${i}, the job retried.`
        : `The worker, as configured, stopped at ${i}, then resumed, twice.`,
    );
    expect(csvCompressor.detect(prose.join('\n'), {})).toBe(false);
    const log = Array.from(
      { length: 30 },
      (_, i) => `2025-03-14 10:00:${String(i).padStart(2, '0')},123 INFO worker ready`,
    );
    expect(csvCompressor.detect(log.join('\n'), {})).toBe(false);
  });

  it('takes no comma inside brackets for a column separator, and still reads headers with bracketed units', () => {
    // tsc's `file(line,col): error` lines with one comma in each message split into three "cells" alike.
    const tsc = Array.from(
      { length: 40 },
      (_, i) =>
        `src/cli/agents.ts(${i + 10},${i + 3}): error TS4111: Property 'ENV_${i}' comes from an index signature, so it must be accessed with ['ENV_${i}'].`,
    );
    expect(csvCompressor.detect(tsc.join('\n'), {})).toBe(false);
    const units = [
      'name,size (KB),files[0]',
      ...Array.from({ length: 40 }, (_, i) => `pkg${i},${i * 3},f${i}`),
    ];
    expect(csvCompressor.detect(units.join('\n'), {})).toBe(true);
  });
});
