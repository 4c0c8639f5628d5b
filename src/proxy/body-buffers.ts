import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread } from 'node:worker_threads';

/**
 * Shared memory for request bodies, taken and given back by the relay. Memory is mapped for each buffer
 * (a growable `SharedArrayBuffer`, which V8 maps page by page and unmaps when it dies), not taken from
 * malloc: once glibc has seen a megabyte freed it serves later megabytes from the main heap, and freed
 * bodies stay resident there under whatever small allocation came after them (60 MB of an idle proxy,
 * measured). Fresh mappings cost a page fault per 4 KB written (~1 ms per megabyte on the event loop), so
 * buffers given back are reused while requests keep coming; after `idleMs` without a request the spare
 * ones are let go and collected, and their memory goes back to the system.
 */
export interface BodyBuffers {
  /** A buffer of exactly `size` bytes (contents undefined) over memory only this request uses. */
  take(size: number): Buffer;
  /** `buffer` (from `take`) is read by nothing any more: its memory may hold the next body. */
  give(buffer: Buffer): void;
}

/** Spare memory kept for the next bodies: a few megabyte-sized conversations. */
const SPARE_MAX_BYTES = 16 * 1024 * 1024;
/** Without a request for this long, the spare buffers are let go. */
const BODY_BUFFERS_IDLE_MS = 10_000;
/** A buffer is mapped this much bigger than asked (pages never written cost nothing): the next turn is longer. */
const HEADROOM_FACTOR = 1.25;
const PAGE = 64 * 1024;

const Growable = SharedArrayBuffer as unknown as new (
  length: number,
  options: { readonly maxByteLength: number },
) => SharedArrayBuffer;

/** Shared memory mapped for this buffer alone, unmapped when it is collected. */
function mappedBuffer(size: number, capacity = size): Buffer {
  return Buffer.from(new Growable(capacity, { maxByteLength: capacity }), 0, size);
}

export function createBodyBuffers(idleMs = BODY_BUFFERS_IDLE_MS): BodyBuffers {
  let spare: SharedArrayBuffer[] = [];
  let spareBytes = 0;
  let idle: NodeJS.Timeout | undefined;

  function letGo(): void {
    if (spare.length === 0) return;
    spare = [];
    spareBytes = 0;
    // A compression worker's memory goes when it stops for idleness (V8's flags, which the collection sets
    // and unsets, are the whole process's).
    if (isMainThread) collectGarbage();
  }

  return {
    take(size) {
      clearTimeout(idle);
      idle = setTimeout(letGo, idleMs);
      idle.unref();
      // The smallest spare buffer that fits.
      let best = -1;
      spare.forEach((memory, i) => {
        if (memory.byteLength >= size && (best < 0 || memory.byteLength < spare[best]!.byteLength)) best = i;
      });
      if (best < 0) return mappedBuffer(size, Math.ceil((size * HEADROOM_FACTOR) / PAGE) * PAGE);
      const [memory] = spare.splice(best, 1);
      spareBytes -= memory!.byteLength;
      return Buffer.from(memory!, 0, size);
    },
    give(buffer) {
      const memory = buffer.buffer;
      if (!(memory instanceof SharedArrayBuffer) || spare.includes(memory)) return;
      if (spareBytes + memory.byteLength > SPARE_MAX_BYTES) return;
      spare.push(memory);
      spareBytes += memory.byteLength;
    },
  };
}

let gc: (() => void) | undefined;

/**
 * A full collection now, so buffers just let go are unmapped while the proxy is idle (V8 would leave
 * them to its next major collection, which an idle process may not run for minutes). Node has no API
 * for it; the flag is set only to fetch V8's `gc` function, then unset.
 */
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
  }
  gc();
}
