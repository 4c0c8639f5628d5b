import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import { MAX_COMPRESSED_BODY_BYTES } from './compress-body.js';

/** A request body: all of it, or (past the size bound) the part read so far and the rest still to come. */
export type RequestBody = Uint8Array | { readonly head: Buffer[]; readonly rest: Readable };

export function declaredLength(req: IncomingMessage): number | undefined {
  const value = Number(req.headers['content-length'] ?? Number.NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Bodies from this size on are gathered in shared memory: a compression worker then reads the very bytes
 * this thread holds instead of a copy (agents resend megabytes of conversation on every turn). With the
 * length declared, each chunk is copied in as it arrives and its memory freed at once (see `release`).
 */
const SHARED_BODY_BYTES = 64 * 1024;
/**
 * Memory is set aside for a declared length up to this size only: a client that declares more is held to
 * what it has sent (its chunks, copied once they are all in), not to what it claims.
 */
const PRESIZE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Reads the body unless it is bigger than compression could handle in time; then it is streamed on.
 * `take` gives the shared memory a body of `size` bytes is gathered in (the caller gives it back).
 */
export function readBody(req: IncomingMessage, take: (size: number) => Buffer): Promise<RequestBody> {
  const declared = declaredLength(req);
  if ((declared ?? 0) > MAX_COMPRESSED_BODY_BYTES) return Promise.resolve({ head: [], rest: req });
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let into =
      declared !== undefined && declared >= SHARED_BODY_BYTES && declared <= PRESIZE_MAX_BYTES
        ? take(declared)
        : undefined;
    const onData = (chunk: Buffer): void => {
      const at = size;
      size += chunk.length;
      if (into && size <= into.length) {
        copyToShared(chunk, into, at);
        release(chunk);
      } else {
        // More than declared: node's parser would not let this happen, but the bytes are kept anyway.
        if (into) parts.push(into.subarray(0, at));
        into = undefined;
        parts.push(chunk);
      }
      if (size > MAX_COMPRESSED_BODY_BYTES) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.pause();
        resolve({ head: parts, rest: req });
      }
    };
    const onEnd = (): void => {
      if (into) resolve(size === into.length ? into : into.subarray(0, size));
      else if (size >= SHARED_BODY_BYTES) resolve(gather(parts, size, take));
      else resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}

/**
 * Frees a chunk's memory now, once its bytes are in shared memory (the chunk reads as empty afterwards).
 * Node's HTTP parser gives every chunk an ArrayBuffer of its own (~1 MB per big body), counted as external
 * memory until a collection finds it dead. The event loop allocates little else, so scavenges are rare,
 * and that memory piled up until it set off a full mark-compact every ~12 big requests: ~40% of the
 * proxy's CPU on a repeated conversation. Transferring a buffer detaches it and hands its memory to the
 * message; a port whose other end is closed drops the message, and with it the memory (~4 µs per chunk).
 * Only a buffer that holds nothing but this chunk is let go.
 */
function release(chunk: Buffer): void {
  const buffer = chunk.buffer;
  if (chunk.byteOffset === 0 && buffer.byteLength === chunk.length && buffer instanceof ArrayBuffer)
    dropPort.postMessage(null, [buffer]);
}

const dropPort = (() => {
  const { port1, port2 } = new MessageChannel();
  port1.close();
  return port2;
})();

function gather(parts: readonly Buffer[], size: number, take: (size: number) => Buffer): Buffer {
  const out = take(size);
  let at = 0;
  for (const part of parts) {
    copyToShared(part, out, at);
    at += part.length;
    release(part);
  }
  return out;
}

/** Bytes in the word V8 copies shared memory by. */
const WORD_BYTES = 8;
/** Where a chunk is lined up before it goes into shared memory (a socket read is at most 64 KB). */
const staging = Buffer.allocUnsafeSlow(64 * 1024 + WORD_BYTES);

/**
 * `chunk.copy(into, at)` for `into` in shared memory, at twice the speed. V8 writes into shared memory with
 * relaxed atomic stores: a word at a time where source and target sit at the same offset within a word,
 * else byte by byte, and the socket's chunks sit anywhere. So a chunk that does not line up is first
 * copied (by plain memmove) into `staging` at the offset that does, then moved a word at a time
 * (0.14 instead of 0.30 ms per megabyte, measured in the proxy). Backing stores start word-aligned, so
 * offsets within them decide.
 */
export function copyToShared(chunk: Uint8Array, into: Buffer, at: number): void {
  const shift = (into.byteOffset + at) % WORD_BYTES;
  if (chunk.byteOffset % WORD_BYTES === shift) {
    into.set(chunk, at);
    return;
  }
  const room = staging.length - WORD_BYTES;
  for (let from = 0; from < chunk.length; from += room) {
    const piece = chunk.subarray(from, Math.min(chunk.length, from + room));
    const lined = (into.byteOffset + at + from) % WORD_BYTES;
    staging.set(piece, lined);
    into.set(staging.subarray(lined, lined + piece.length), at + from);
  }
}
