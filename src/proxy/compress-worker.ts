import { parentPort, workerData } from 'node:worker_threads';
import { compressMessages } from '../compress/compress.js';
import { createBlockMemo } from '../compress/memo.js';
import { withFleetCopy } from '../fleet/mirror-store.js';
import { connectFleetRedis } from '../fleet/redis-connection.js';
import { createFileStore } from '../store/file-store.js';
import { tokenCounter } from '../tokens/count.js';
import { countBodyJob, runBodyJob } from './body-job.js';
import type { JobMessage, SeedMessage, WorkerConfig, WorkerReply } from './compress-pool.js';
import { storeOptionsOf } from './options.js';
import { createPersistedOutputs } from './persisted-output.js';
import { createPrefixReuse } from './prefix-reuse.js';

/**
 * A compression worker: runs body jobs off the proxy's event loop, with its own block memo (the pool
 * sends a conversation to the same worker every time) and its own handle on the shared file store.
 */
const config = workerData as WorkerConfig;
const memo = createBlockMemo(config.memoBytes);
const local = createFileStore(storeOptionsOf(config));
const store = config.fleet
  ? withFleetCopy(local, connectFleetRedis(config.fleet, 'worker'), config.storeTtlMs)
  : local;
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

/**
 * One job at a time, in arrival order. The core yields between big blocks; were jobs started as they
 * arrive, 20 conversations would share the thread round-robin and every one finish last (all near the
 * deadline). In turn, the first finishes after one job's time and the mean wait halves.
 */
let queue: Promise<void> = Promise.resolve();

/**
 * Counts answered in this turn of the event loop, posted together once it ends: counts arrive in batches
 * (see `LATER_MS`), and one message for a batch costs the proxy's event loop one wake-up, not one per count.
 */
let counted: WorkerReply[] = [];

function answerCount(answer: WorkerReply): void {
  if (counted.length === 0) {
    setImmediate(() => {
      const batch = counted;
      counted = [];
      port.postMessage(batch);
    });
  }
  counted.push(answer);
}

function run(message: JobMessage): Promise<void> {
  if (message.count) {
    return countBodyJob(message.job, { memo, conversations }).then(
      (tokens) => answerCount({ type: 'counted', id: message.id, tokens }),
      (error: unknown) =>
        answerCount({ type: 'error', id: message.id, message: (error as Error).name ?? 'error' }),
    );
  }
  return runBodyJob(message.job, {
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
}

port.on('message', (message: readonly JobMessage[] | SeedMessage) => {
  if ('seed' in message) {
    for (const [key, entry] of message.seed) memo.set(key, entry);
    return;
  }
  for (const job of message) queue = queue.then(() => run(job)).catch(() => undefined);
});
