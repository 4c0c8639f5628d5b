import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { copyToShared } from '../../src/proxy/relay.js';

describe('copyToShared', () => {
  it('puts every chunk where chunk.copy would, whatever the offsets within a word', () => {
    const source = randomBytes(300 * 1024);
    for (let start = 0; start < 16; start += 1) {
      for (const size of [1, 7, 8, 9, 4095, 65_536, 65_537, 70_000, 200_000]) {
        const chunk = source.subarray(start, start + size);
        for (const at of [0, 1, 3, 8, 13]) {
          const into = Buffer.from(new SharedArrayBuffer(at + size + 5));
          into.fill(0xee);
          copyToShared(chunk, into, at);
          const expected = Buffer.alloc(at + size + 5, 0xee);
          chunk.copy(expected, at);
          expect(into.equals(expected)).toBe(true);
        }
      }
    }
  });

  it('fills a body from chunks of every size and alignment, as a socket delivers them', () => {
    const body = randomBytes(1024 * 1024 + 11);
    const into = Buffer.from(new SharedArrayBuffer(body.length));
    let at = 0;
    for (let i = 0; at < body.length; i += 1) {
      const n = Math.min(body.length - at, 1 + ((i * 7919) % 70_000));
      // Each chunk a slice of a buffer of its own, as the HTTP parser hands them over.
      const own = Buffer.alloc(n + (i % 13));
      body.copy(own, i % 13, at, at + n);
      copyToShared(own.subarray(i % 13), into, at);
      at += n;
    }
    expect(into.equals(body)).toBe(true);
  });

  it('copies out of a view into shared memory too', () => {
    const from = Buffer.from(new SharedArrayBuffer(100_000));
    randomBytes(100_000).copy(from);
    const into = Buffer.from(new SharedArrayBuffer(100_003));
    copyToShared(from.subarray(3), into, 6);
    expect(into.subarray(6, 6 + 99_997).equals(from.subarray(3))).toBe(true);
  });
});
