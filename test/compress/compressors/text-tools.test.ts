import { describe, expect, it } from 'vitest';
import { clip } from '../../../src/compress/compressors/text-tools.js';

describe('clip', () => {
  it('never cuts an emoji in half when it shortens an example for a note', () => {
    expect(clip('😀'.repeat(10), 4)).toBe('😀…');
  });
});
