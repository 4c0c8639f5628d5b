import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoKey } from '../../src/compress/hash.js';

describe('memoKey', () => {
  it('names a list of parts unambiguously, whatever characters they hold', () => {
    expect(memoKey(['ab', 'c'])).not.toBe(memoKey(['a', 'bc']));
    expect(memoKey(['1:a'])).not.toBe(memoKey(['1', 'a']));
    expect(memoKey([''])).not.toBe(memoKey([]));
  });

  it('hashes each part after its length, a lone surrogate at a part’s edge included', () => {
    const parts = ['block', 'é\ud83d', '\ude00x', '日本', ''];
    const piecewise = createHash('sha256');
    for (const part of parts) piecewise.update(`${part.length}:`).update(part);
    expect(memoKey(parts)).toBe(piecewise.digest('base64url'));
  });
});
