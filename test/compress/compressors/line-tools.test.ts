import { describe, expect, it } from 'vitest';
import { clip, sampleOf } from '../../../src/compress/compressors/line-tools.js';

describe('sampleOf', () => {
  it('never cuts an emoji in half when it shortens a line for a note', () => {
    // 29 emoji put the 60-character cut between the two halves of the 30th.
    const sample = sampleOf('😀'.repeat(40));
    expect(sample).toBe(`${'😀'.repeat(29)}…`);
  });
});

describe('clip', () => {
  it('never cuts an emoji in half when it shortens an example for a note', () => {
    expect(clip('😀'.repeat(10), 4)).toBe('😀…');
  });
});
