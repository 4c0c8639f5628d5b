import { parentPort, workerData } from 'node:worker_threads';
import { compressMessages } from '../compress/compress.js';
import { createBlockMemo } from '../compress/memo.js';
import { createFileStore } from '../store/file-store.js';
import { tokenCounter } from '../tokens/count.js';
import { type BodyJob, runBodyJob } from './body-job.js';
import type { WorkerConfig, WorkerReply } from './compress-pool.js';
import { storeOptionsOf } from './options.js';
import { createPersistedOutputs } from './persisted-output.js';
import { createPrefixReuse } from './prefix-reuse.js';

/**
 * A compression worker: runs body jobs off the proxy's event loop, with its own block memo (the pool
 * sends a conversation to the same worker every time) and its own handle on the shared file store.
 */
const config = workerData as WorkerConfig;
const memo = createBlockMemo(config.memoBytes);
const store = createFileStore(storeOptionsOf(config));
const persisted = config.claudeConfigDir ? createPersistedOutputs(config.claudeConfigDir) : undefined;
const conversations = createPrefixReuse();
const port = parentPort!;
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

/** A body this worker made and holds nowhere else is handed over, not copied (a megabyte per turn). */
function handOver(body: Uint8Array): ArrayBuffer[] {
  const { buffer } = body;
  const own = buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === buffer.byteLength;
  return own ? [buffer] : [];
}

// The tokenizer loads here, in the background of the proxy; jobs that arrive meanwhile wait for it.
tokenCounter('gpt-4o').then(
  () => reply({ type: 'ready' }),
  () => reply({ type: 'ready' }),
);

port.on('message', (message: { id: number; job: BodyJob }) => {
  runBodyJob(message.job, {
    compress: compressMessages,
    memo,
    store,
    conversations,
    ...(persisted ? { persisted } : {}),
  }).then(
    ({ outcome, learned }) => {
      const same = outcome.body === message.job.raw;
      reply(
        {
          type: 'result',
          id: message.id,
          outcome: same ? { ...outcome, body: undefined } : outcome,
          learned,
        },
        same ? [] : handOver(outcome.body),
      );
    },
    (error: unknown) => reply({ type: 'error', id: message.id, message: (error as Error).name ?? 'error' }),
  );
});
