import { describe, expect, it } from 'vitest';
import { htmlCompressor } from '../../../src/compress/compressors/html/index.js';
import type { CompressorContext, RewriteResult } from '../../../src/compress/types.js';
import { contextFor, keptLines, rendered } from './line-fixtures.js';
import { docsPage } from './text-samples.js';

function rewrite(html: string, ctx: CompressorContext): RewriteResult {
  const result = htmlCompressor.rewrite?.(html, ctx);
  if (!result) throw new Error('expected a rewrite');
  return result;
}

describe('htmlCompressor', () => {
  it('turns a page into readable text without its scripts, styles, navigation and footer', () => {
    const html = docsPage();
    const result = rewrite(html, contextFor(''));
    const text = result.text;
    expect(text).toContain('Retry policy — Acme SDK docs');
    expect(text).toContain('# Retry policy');
    expect(text).toContain('## Defaults');
    expect(text).toContain(
      'The client retries failed requests with exponential back-off. Each delay is doubled, up to `maxRetryDelay`.',
    );
    expect(text).toContain('Setting | Value (ms) | Meaning');
    expect(text).toContain('retry_3 | 300 | Delay before attempt 3 & later');
    expect(text).toContain('- Set `maxRetries` to 0 to turn retries off.');
    for (const dropped of [
      'window.__analytics',
      '.theme-',
      'Guide page 7',
      'All rights reserved',
      'TODO',
      'chart label',
    ]) {
      expect(text).not.toContain(dropped);
    }
    expect(result.lossy).toBe(true);
    expect(result.transform).toBe(`html:text ${html.length}→${text.length} chars`);
  });

  it('keeps a pre block verbatim, entities decoded', () => {
    const text = rewrite(docsPage(), contextFor('')).text;
    expect(text).toContain(
      [
        '```',
        'const client = new Client({',
        '  maxRetries: 5,',
        '  retryDelay: (n) => 2 ** n * 100,',
        '});',
        '```',
      ].join('\n'),
    );
  });

  it('gives the address of a link the question names, and keeps navigation the question names', () => {
    const text = rewrite(
      docsPage(),
      contextFor('Where are request timeouts and guide page 7 documented?'),
    ).text;
    expect(text).toContain('See request timeouts (/docs/timeouts#request-timeout) for the overall limit.');
    expect(text).toContain('- Guide page 7');
    expect(text).not.toContain('Guide page 8');
  });

  it('keeps only the blocks a question names, beside them and the outline, and counts the rest', () => {
    const sections = Array.from(
      { length: 30 },
      (_, i) =>
        `<h2>Option ${i}</h2>\n<p>Option ${i} sets the ${i % 2 ? 'cache' : 'queue'} size in bytes.</p>\n<p>It defaults to ${i * 64}.</p>`,
    );
    sections[17] =
      '<h2>Shebang</h2>\n<p>The shebang is #!/usr/bin/python3, on the first line.</p>\n<p>Never env.</p>';
    const html = `<!doctype html><html><head><title>Options</title><script src="app.js"></script></head><body>\n${sections.join('\n')}\n<p>Closing words.</p></body></html>`;
    const text = rewrite(html, contextFor('Where must the shebang go?')).text;
    expect(text).toContain('The shebang is #!/usr/bin/python3, on the first line.');
    // The text next to the named block, and every heading and resource, stay.
    expect(text).toContain('Never env.');
    expect(text).not.toContain('It defaults to 1024.');
    expect(text).toContain('## Option 29');
    expect(text).toContain('[script: app.js]');
    expect(text).not.toContain('Option 3 sets the cache size');
    expect(text).toContain('[… 2 blocks of text omitted …]');
    // A question that names nothing in the text keeps all of it.
    expect(rewrite(html, contextFor('')).text).toContain('Option 3 sets the cache size in bytes.');
  });

  it('under a wrapper keeps just the headings of a heading line, and marks a gap with one character', () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) =>
        `<dt>Function: fn${i}</dt><dd>${'a long description of what this function does, '.repeat(3)}arg${i}: the input</dd>`,
    );
    rows[25] = '<dt>Function: runUser</dt><dd>profile: where timings go; userCtxt: the caller context</dd>';
    const html = `<!doctype html><html><body>\n<dl>\n${rows.join('\n<p>-</p>\n')}\n</dl></body></html>`;
    const excerpt = htmlCompressor.excerpt?.(html, contextFor('What does the userCtxt of runUser mean?'));
    if (!excerpt) throw new Error('expected an excerpt');
    const lines = excerpt.text.split('\n');
    expect(lines).toContain('5: Function: fn1 · …');
    expect(lines).toContain(
      '53: Function: runUser · profile: where timings go; userCtxt: the caller context',
    );
    expect(lines).toContain('…');
    expect(excerpt.text).not.toContain('omitted');
  });

  it('thins a line-numbered read of an HTML file down to its text and outline', () => {
    const lines = docsPage().split('\n');
    const result = htmlCompressor.lines(lines, contextFor(''));
    if (!result) throw new Error('expected a plan');
    const kept = keptLines(lines, result);
    expect(kept).toEqual(
      expect.arrayContaining([
        '    <title>Retry policy &mdash; Acme SDK docs</title>',
        '    <script>',
        '    </script>',
        '        <h1>Retry policy</h1>',
        '        <p>The client retries failed requests with exponential back-off.',
        '  maxRetries: 5,',
      ]),
    );
    expect(kept.some((l) => l.includes('window.__analytics'))).toBe(false);
    const notes = rendered(lines, result).filter((l) => l.startsWith('[…'));
    expect(notes).toContain('[… 38 omitted: 38 lines of <script>]');
    expect(notes).toContain('[… 20 omitted: 20 lines of <style>]');
    expect(result.transform).toBe(`html:lines ${lines.length}→${kept.length}`);
  });

  it('keeps script lines the question names', () => {
    const lines = docsPage().split('\n');
    const result = htmlCompressor.lines(lines, contextFor('what is slot 17 in the analytics push?'));
    expect(result && keptLines(lines, result)).toContain(
      "      window.__analytics.push({ event: 'view', slot: 17 });",
    );
  });

  it('leaves a page that is nearly all text alone', () => {
    const paragraphs = Array.from(
      { length: 60 },
      (_, i) => `<p>Paragraph ${i} says something worth reading.</p>`,
    );
    const html = `<!DOCTYPE html>\n<html><body>\n${paragraphs.join('\n')}\n</body></html>`;
    expect(htmlCompressor.lines(html.split('\n'), contextFor(''))).toBeUndefined();
  });

  it('recognises HTML by doctype, by extension or by its tags, but not JSX source', () => {
    expect(htmlCompressor.detect(docsPage(), {})).toBe(true);
    expect(htmlCompressor.detect('<p>hi</p>', { filePath: 'site/index.htm' })).toBe(true);
    const fragment = Array.from({ length: 25 }, (_, i) => `<div class="row"><span>${i}</span></div>`).join(
      '\n',
    );
    expect(htmlCompressor.detect(fragment, {})).toBe(true);
    const jsx = `import React from 'react';\nexport function Rows() {\n  return (<>\n${fragment.replaceAll('class=', 'className=')}\n</>);\n}`;
    expect(htmlCompressor.detect(jsx, {})).toBe(false);
  });
});
