import { describe, expect, it } from 'vitest';
import { proseCompressor } from '../../../src/compress/compressors/prose/index.js';
import type { CompressorContext, LinePlan } from '../../../src/compress/types.js';
import { contextFor, keptLines, rendered } from './line-fixtures.js';
import { changelog } from './text-samples.js';

function plan(lines: readonly string[], ctx: CompressorContext): LinePlan {
  const result = proseCompressor.lines(lines, ctx);
  if (!result) throw new Error('expected a plan');
  return result;
}

/** A README: sections of wrapped paragraphs, a list, a fenced example. */
function readme(): string[] {
  const out = ['# Harbor', '', 'Harbor mirrors container images between registries on a schedule.', ''];
  const sections = ['Installation', 'Configuration', 'Scheduling', 'Authentication', 'Troubleshooting'];
  for (const title of sections) {
    out.push(`## ${title}`, '');
    for (let p = 0; p < 3; p++) {
      out.push(
        `This paragraph ${p} of ${title.toLowerCase()} opens with a sentence that says what follows.`,
        `It continues with detail that matters less, wrapped at eighty columns like most docs,`,
        `and ends after a third line that closes the thought for paragraph ${p}.`,
        '',
      );
    }
    if (title === 'Configuration') {
      out.push(
        '- `mirror.interval` sets how often a sync runs.',
        '- `mirror.parallel` caps concurrent pulls at 4.',
        '',
      );
      out.push('```yaml', 'mirror:', '  interval: 15m', '  parallel: 4', '```', '');
    }
    if (title === 'Troubleshooting') {
      out.push('If a sync fails with HARBOR_E42, the target registry rejected the token.', '');
    }
  }
  return out;
}

describe('proseCompressor', () => {
  it('keeps the section of the version the question names in a changelog, whole', () => {
    const lines = changelog();
    const result = plan(lines, contextFor('What changed in 2.3.1?'));
    const kept = keptLines(lines, result);
    const from = lines.indexOf('## 2.3.1 (2025-08-05)');
    const to = lines.indexOf('## 2.3.0 (2025-07-04)');
    expect(from).toBeGreaterThan(0);
    for (const line of lines.slice(from, to)) if (line !== '') expect(kept).toContain(line);
    // Other releases keep their headings, not their entries.
    expect(kept).toContain('## 2.3.2 (2025-09-06)');
    expect(kept).not.toContain('* **graph:** handle empty input in step 0 of release 32');
    expect(result.transform).toBe(`prose:lines ${lines.length}→${kept.length}`);
  });

  it('keeps about the target share of a document, headings and section openings first', () => {
    const lines = readme();
    const result = plan(lines, contextFor('', { targetRatio: 0.35 }));
    const kept = keptLines(lines, result).filter((l) => l.trim() !== '');
    const text = lines.filter((l) => l.trim() !== '');
    expect(kept.length).toBeGreaterThan(text.length * 0.3);
    expect(kept.length).toBeLessThan(text.length * 0.45);
    for (const heading of text.filter((l) => l.startsWith('#'))) expect(kept).toContain(heading);
    expect(kept).toContain('This paragraph 0 of scheduling opens with a sentence that says what follows.');
    expect(kept).not.toContain('and ends after a third line that closes the thought for paragraph 2.');
  });

  it('keeps the line the question names with the lines around it', () => {
    const lines = readme();
    const kept = keptLines(lines, plan(lines, contextFor('What does HARBOR_E42 mean?')));
    expect(kept).toContain('If a sync fails with HARBOR_E42, the target registry rejected the token.');
    expect(kept).toContain('and ends after a third line that closes the thought for paragraph 2.');
  });

  it('keeps a code block’s fences with any line kept inside it', () => {
    const lines = readme();
    const kept = keptLines(lines, plan(lines, contextFor('how do I set the interval to 15m?')));
    expect(kept).toEqual(expect.arrayContaining(['```yaml', '  interval: 15m', '```']));
  });

  it('holds a 400-version changelog to the entry asked about, its headings and a bounded outline', () => {
    const lines = ['# Changelog', ''];
    for (let v = 400; v > 0; v--) {
      lines.push(`## 2.${v}.0 (2024-01-01)`, '', '### Features', '');
      for (let k = 0; k < 3; k++) lines.push(`* **api:** entry ${k} of release ${v} adds a client option`);
      lines.push('');
    }
    const asked = lines.indexOf('* **api:** entry 1 of release 40 adds a client option');
    lines[asked] = '* **api:** add support for realtime calls';
    const kept = keptLines(lines, plan(lines, contextFor('Which release added support for realtime calls?')));
    expect(kept).toContain('* **api:** add support for realtime calls');
    // The headings above the entry, however far up the document they open.
    const features = lines.lastIndexOf('### Features', asked);
    expect(lines.slice(features - 2, asked).filter((l) => kept.includes(l))).toContain(
      '## 2.40.0 (2024-01-01)',
    );
    // A list item's neighbours are other entries, not its context.
    expect(kept).not.toContain('* **api:** entry 0 of release 40 adds a client option');
    expect(kept).not.toContain('* **api:** entry 2 of release 40 adds a client option');
    // 400 version headings are more than the extract may hold: it keeps at most maxProseLines of them.
    expect(kept.filter((l) => l.startsWith('## ')).length).toBeLessThanOrEqual(300);
    expect(kept.length).toBeLessThan(lines.length / 4);
  });

  it('names the section of an omitted run', () => {
    const lines = readme();
    const notes = rendered(lines, plan(lines, contextFor(''))).filter((l) => l.startsWith('[…'));
    expect(notes.some((n) => /^\[… \d+ omitted: \d+ lines of section "Authentication"\]$/.test(n))).toBe(
      true,
    );
  });

  it('leaves a short document alone', () => {
    expect(proseCompressor.lines(readme().slice(0, 30), contextFor(''))).toBeUndefined();
  });

  it('recognises markdown and plain prose, but not code', () => {
    expect(proseCompressor.detect(readme().join('\n'), {})).toBe(true);
    expect(proseCompressor.detect('short', { filePath: 'docs/CHANGELOG.md' })).toBe(true);
    const code = Array.from({ length: 30 }, (_, i) => `  const value${i} = compute(${i});`);
    expect(proseCompressor.detect(code.join('\n'), {})).toBe(false);
  });
});
