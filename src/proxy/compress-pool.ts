import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MemoEntry } from '../compress/memo.js';
import type { BodyJob, BodyOutcome, JobResult } from './body-job.js';

/** What each worker is told when it starts. */
export interface WorkerConfig {
  readonly stateDir: string;
  readonly storeMaxBytes: number;
  readonly storeTtlMs: number;
  readonly memoBytes: number;
  /** Claude Code's config dir, when Claude budget mode may expand its saved outputs' previews. */
  readonly claudeConfigDir: string | undefined;
}

export type WorkerReply =
  | { readonly type: 'ready' }
  | {
      readonly type: 'result';
      readonly id: number;
      /** `body` is left out when it is the job's own bytes (nothing changed). */
      readonly outcome: Omit<BodyOutcome, 'body'> & { readonly body: Uint8Array | undefined };
      readonly learned: readonly (readonly [string, MemoEntry])[];
    }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** Compression jobs run here, off the event loop that serves every session and `/health`. */
export interface CompressPool {
  /** Runs a job on the worker `affinity` picks (the same conversation always lands on the same worker). */
  run(job: BodyJob, affinity: number): Promise<JobResult>;
  /** Starts the workers if needed; resolves when every one has its tokenizer loaded. */
  warmUp(): Promise<void>;
  readonly warm: boolean;
  close(): Promise<void>;
}

/**
 * One worker per core beyond the one the event loop uses, at most four: compression is CPU-bound, and
 * more workers than cores would only take time from the event loop.
 */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * The worker's code: `dist/proxy/compress-worker.js` when installed; from `src/` (development, tests,
 * benches) the TypeScript is loaded through tsx, which a worker does not inherit from its parent.
 */
function spawnWorker(config: WorkerConfig): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  // Inherited flags are filtered by node itself; given ones must all be valid in a worker, so they are
  // given only when a script has to go, and dropped if node refuses one of them.
  const create = (target: string | URL, eval_: boolean): Worker => {
    const base = { workerData: config, eval: eval_ };
    if (execArgv.length === process.execArgv.length) return new Worker(target, base);
    try {
      return new Worker(target, { ...base, execArgv });
    } catch {
      return new Worker(target, { ...base, execArgv: [] });
    }
  };
  if (!import.meta.url.endsWith('.ts'))
    return create(new URL('./compress-worker.js', import.meta.url), false);
  const entry = new URL('./compress-worker.ts', import.meta.url).href;
  // `require.resolve` finds tsx's CommonJS build of the API; the ES module build sits beside it.
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const tsx = pathToFileURL(api).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return create(boot, true);
}

/**
 * The parent's node flags minus a script given with `-e`/`-p`: a worker inherits them, and would run the
 * parent's script (a proxy started with `node -e …`) instead of its own, then exit.
 */
export function workerExecArgv(parent: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < parent.length; i += 1) {
    const flag = parent[i]!;
    if (flag === '-e' || flag === '--eval' || flag === '-p' || flag === '-pe' || flag === '--print') {
      i += 1;
      continue;
    }
    if (/^(?:--eval|--print|--input-type)=/.test(flag)) continue;
    out.push(flag);
  }
  return out;
}

interface Slot {
  worker: Worker | undefined;
  ready: Promise<void>;
  warm: boolean;
  readonly pending: Map<
    number,
    { resolve: (r: JobResult) => void; reject: (e: Error) => void; raw: Uint8Array }
  >;
}

export function createCompressPool(config: WorkerConfig, size = defaultPoolSize()): CompressPool {
  const slots: Slot[] = Array.from({ length: size }, () => ({
    worker: undefined,
    ready: Promise.resolve(),
    warm: false,
    pending: new Map(),
  }));
  let nextId = 0;
  let closed = false;

  function start(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const worker = spawnWorker(config);
    // An idle pool must not keep the process alive (a CLI that forgot to stop the proxy still exits).
    worker.unref();
    slot.worker = worker;
    slot.warm = false;
    let markReady!: () => void;
    slot.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') {
        slot.warm = true;
        markReady();
        return;
      }
      const waiter = slot.pending.get(reply.id);
      if (!waiter) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (reply.type === 'error') waiter.reject(new Error(`compression worker: ${reply.message}`));
      else
        waiter.resolve({
          outcome: { ...reply.outcome, body: reply.outcome.body ?? waiter.raw },
          learned: reply.learned,
        });
    });
    const fail = (error: Error): void => {
      slot.worker = undefined;
      markReady();
      for (const waiter of slot.pending.values()) waiter.reject(error);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`compression worker exited with code ${code}`)));
    return worker;
  }

  return {
    get warm() {
      return slots.every((s) => s.warm);
    },
    warmUp() {
      if (closed) return Promise.resolve();
      for (const slot of slots) start(slot);
      return Promise.all(slots.map((s) => s.ready)).then(() => undefined);
    },
    run(job, affinity) {
      if (closed) return Promise.reject(new Error('compression pool closed'));
      const slot = slots[Math.abs(affinity) % slots.length]!;
      const worker = start(slot);
      const id = nextId++;
      return new Promise<JobResult>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject, raw: job.raw });
        worker.ref();
        worker.postMessage({ id, job });
      });
    },
    async close() {
      closed = true;
      // Referenced while they stop: an unreferenced worker's exit would not keep the process alive, and a
      // caller awaiting this (the exit summary after it) would never resume.
      await Promise.all(
        slots.map((s) => {
          s.worker?.ref();
          return s.worker?.terminate();
        }),
      );
    },
  };
}
