import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectCompressor } from '../../src/compress/detect.js';

const corpus = (file: string) => readFileSync(new URL(`../fixtures/corpus/${file}`, import.meta.url), 'utf8');

describe('detectCompressor', () => {
  it('reads an npm install run at --loglevel silly as a log, with or without its command', () => {
    const text = corpus('npm-install-log.txt');
    expect(detectCompressor(text, {})?.kind).toBe('log');
    expect(detectCompressor(text, { command: 'npm install eslint@8 --loglevel silly' })?.kind).toBe('log');
  });

  it('still reads a changelog as prose and a tsc run as a log', () => {
    expect(detectCompressor(corpus('changelog-openai.txt'), {})?.kind).toBe('prose');
    expect(detectCompressor(corpus('tsc-errors.txt'), { command: 'npx tsc --noEmit -p .' })?.kind).toBe(
      'log',
    );
  });

  it('judges content by itself, as it would under a Read of a saved .txt output (no command to go by)', () => {
    const saved = { toolName: 'Read', filePath: '/home/u/.claude/projects/p/s/tool-results/b1.txt' };
    for (const [file, kind] of [
      ['pytest-v-failures.txt', 'log'],
      ['tsc-mixed-codes.txt', 'log'],
      ['tsc-errors.txt', 'log'],
      ['du-usr-share.txt', 'listing'],
      ['grep-hono-function.txt', 'search'],
      ['csv-webpack-numstat.txt', 'csv'],
      ['source-openai-client.txt', 'code'],
    ] as const) {
      expect(detectCompressor(corpus(file), saved)?.kind, file).toBe(kind);
      expect(detectCompressor(corpus(file), {})?.kind, file).toBe(kind);
    }
  });
});
