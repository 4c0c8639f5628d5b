import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compressMessages } from '../../src/compress/compress.js';
import { createBodyBuffers } from '../../src/proxy/body-buffers.js';
import { type CompressFn, createBodyCompressor } from '../../src/proxy/compress-body.js';
import { resolveProxyOptions, storeOptionsOf } from '../../src/proxy/options.js';
import { anthropicProvider } from '../../src/proxy/providers/anthropic.js';
import { createFileStore } from '../../src/store/file-store.js';
import { bigTestLog } from '../helpers/proxy-harness.js';

const MB = 1024 * 1024;
const memoryOf = (buffer: Buffer) => buffer.buffer as SharedArrayBuffer & { readonly growable: boolean };

describe('body buffers', () => {
  it('gives each body shared memory mapped for it, exactly as long as asked', () => {
    const buffers = createBodyBuffers();
    const body = buffers.take(MB + 3);
    expect(body.length).toBe(MB + 3);
    expect(memoryOf(body)).toBeInstanceOf(SharedArrayBuffer);
    // Growable: V8 maps its pages itself (not malloc), and unmaps them when it is collected.
    expect(memoryOf(body).growable).toBe(true);
  });

  it('reuses memory given back for the next body that fits, never memory still taken', () => {
    const buffers = createBodyBuffers();
    const a = buffers.take(MB);
    const b = buffers.take(MB);
    expect(memoryOf(b)).not.toBe(memoryOf(a));
    buffers.give(a);
    buffers.give(a);
    // A little longer still fits (the next turn of a conversation).
    const c = buffers.take(MB + 1000);
    expect(memoryOf(c)).toBe(memoryOf(a));
    expect(c.length).toBe(MB + 1000);
    // Given twice, kept once.
    expect(memoryOf(buffers.take(MB))).not.toBe(memoryOf(a));
    // Too small for a body twice its size.
    buffers.give(b);
    expect(memoryOf(buffers.take(2 * MB))).not.toBe(memoryOf(b));
  });

  it('keeps a bounded amount of spare memory', () => {
    const buffers = createBodyBuffers();
    const taken = Array.from({ length: 40 }, () => buffers.take(MB));
    for (const body of taken) buffers.give(body);
    const memories = new Set(taken.map(memoryOf));
    const again = Array.from({ length: 40 }, () => buffers.take(MB));
    const reused = again.filter((body) => memories.has(memoryOf(body)));
    expect(reused.length).toBeGreaterThan(0);
    expect(reused.reduce((sum, body) => sum + memoryOf(body).byteLength, 0)).toBeLessThanOrEqual(16 * MB);
  });

  it('lets spare memory go when no body has come for a while', async () => {
    const buffers = createBodyBuffers(20);
    const a = buffers.take(MB);
    buffers.give(a);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(memoryOf(buffers.take(MB))).not.toBe(memoryOf(a));
  });
});

describe('a body’s memory and the jobs that read it', () => {
  it('says when the compression job reading a body is done, also after the request stopped waiting', async () => {
    const options = resolveProxyOptions({
      stateDir: mkdtempSync(path.join(tmpdir(), 'headroom-buffers-')),
      compressionTimeoutMs: 50,
    });
    let finish!: () => void;
    const late = new Promise<void>((resolve) => {
      finish = resolve;
    });
    // Compression outlives the deadline: the body goes out as it came, the job still holds it.
    const slow: CompressFn = async (messages, opts, memo, signal) => {
      await late;
      return compressMessages(messages, opts, memo, signal);
    };
    const compressBody = createBodyCompressor({
      options,
      store: createFileStore(storeOptionsOf(options)),
      compress: slow,
    });
    const raw = Buffer.from(
      JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 64,
        messages: [
          { role: 'user', content: 'Why does the nightly job fail?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: bigTestLog(2000, 1) }],
          },
        ],
      }),
    );
    const outcome = await compressBody(raw, anthropicProvider, '/v1/messages', undefined);
    expect(outcome.passthroughReason).toBe('timeout');
    expect(outcome.working).toBeDefined();
    let done = false;
    void outcome.working!.then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done).toBe(false);
    finish();
    await outcome.working;
    expect(done).toBe(true);
  });
});
