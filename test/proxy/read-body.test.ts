import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { copyToShared, readBody } from '../../src/proxy/read-body.js';

/** A request as node's HTTP parser delivers it: each chunk in an ArrayBuffer of its own. */
function request(chunks: Buffer[], declared: boolean): IncomingMessage {
  const length = chunks.reduce((sum, c) => sum + c.length, 0);
  return Object.assign(Readable.from(chunks, { objectMode: false }), {
    headers: declared ? { 'content-length': String(length) } : {},
  }) as unknown as IncomingMessage;
}

function ownChunks(body: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const own = Buffer.alloc(Math.min(size, body.length - at));
    body.copy(own, 0, at);
    chunks.push(own);
  }
  return chunks;
}

const shared = (size: number) => Buffer.from(new SharedArrayBuffer(size));

describe('readBody', () => {
  for (const declared of [true, false]) {
    it(`gathers a big body (${declared ? 'length declared' : 'chunked'}) in shared memory and frees each chunk's own memory`, async () => {
      const body = randomBytes(300_000);
      const chunks = ownChunks(body, 65_536);
      const read = await readBody(request(chunks, declared), shared);
      expect(read).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(read as Uint8Array).equals(body)).toBe(true);
      expect((read as Buffer).buffer).toBeInstanceOf(SharedArrayBuffer);
      for (const chunk of chunks) expect(chunk.buffer.byteLength).toBe(0);
    });
  }

  it('leaves a chunk alone when its memory holds more than that chunk', async () => {
    const body = randomBytes(200_000);
    const backing = Buffer.alloc(body.length + 8);
    body.copy(backing, 8);
    const chunks = [backing.subarray(8, 100_008), backing.subarray(100_008)];
    const read = await readBody(request(chunks, true), shared);
    expect(Buffer.from(read as Uint8Array).equals(body)).toBe(true);
    expect(backing.subarray(8).equals(body)).toBe(true);
  });

  it('keeps a small body in its own chunks, untouched', async () => {
    const body = randomBytes(10_000);
    const chunks = ownChunks(body, 4096);
    const read = await readBody(request(chunks, true), shared);
    expect(Buffer.from(read as Uint8Array).equals(body)).toBe(true);
    expect(chunks.map((c) => c.buffer.byteLength)).toEqual([4096, 4096, 1808]);
  });
});

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
