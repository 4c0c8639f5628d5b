import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import type { BlockMemo, MemoEntry } from '../compress/memo.js';
import type { BodyJob, BodyOutcome, JobResult } from './body-job.js';

/** What each worker is told when it starts. */
export interface WorkerConfig {
  readonly stateDir: string;
  readonly storeMaxBytes: number;
  readonly storeTtlMs: number;
  readonly memoBytes: number;
  /** Claude Code's config dir, when Claude budget mode may expand its saved outputs' previews. */
  readonly claudeConfigDir: string | undefined;
  /** The fleet's Redis, which each worker copies the originals it writes to (on its own connection). */
  readonly fleet?: { readonly url: string; readonly prefix: string } | undefined;
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
  | { readonly type: 'counted'; readonly id: number; readonly tokens: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** A worker's answer to one job. */
type JobReply = Exclude<WorkerReply, { readonly type: 'ready' }>;

/**
 * `now`: a request waits for the job. `later`: only the ledger waits (a token count of a body that went out
 * as it came), so the job may wait for company: a worker woken per small request costs more than counting it.
 */
type Urgency = 'now' | 'later';

/** Longest a `later` job waits for others before it is posted. */
const LATER_MS = 50;

/** Compression jobs run here, off the event loop that serves every session and `/health`. */
export interface CompressPool {
  /**
   * Runs a job on the worker that took `affinity`'s conversation before (where its memo is); a
   * conversation seen for the first time goes to the least busy worker.
   */
  run(job: BodyJob, affinity: number): Promise<JobResult>;
  /**
   * The tokens of a body that went out as it came (`countBodyJob`), for the ledger: only the ledger waits,
   * so the job may wait up to `LATER_MS` for others (or go with the next `run`, in order).
   */
  count(job: BodyJob, affinity: number): Promise<number>;
  /**
   * Starts a worker if none is running; resolves when one has its tokenizer loaded. Further workers start
   * when jobs need them (a new conversation while the running ones are busy).
   */
  warmUp(): Promise<void>;
  /** True when a worker is running with its tokenizer loaded. */
  readonly warm: boolean;
  /** Workers running now (started, not stopped for idleness). */
  readonly running: number;
  /**
   * Where a worker started after another stopped gets the decisions made so far (the proxy's mirror of
   * them), so a conversation's next turn after an idle pause does not recompress what it sent before.
   */
  seedFrom(memo: BlockMemo): void;
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
 * A worker's young generation grows to 48 MB (V8's default) on the first big conversation and keeps it;
 * 24 MB costs no measurable compression time (53 vs 54 ms CPU per fresh 1 MB conversation) and holds
 * ~10 MB less while the worker runs.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 24 };

/**
 * The worker's code: `dist/proxy/compress-worker.js` when installed; from `src/` (development, tests,
 * benches) the TypeScript is loaded through tsx, which a worker does not inherit from its parent.
 */
function spawnWorker(config: WorkerConfig): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  // Inherited flags are filtered by node itself; given ones must all be valid in a worker, so they are
  // given only when a script has to go, and dropped if node refuses one of them.
  const create = (target: string | URL, eval_: boolean): Worker => {
    const base = { workerData: config, eval: eval_, resourceLimits: WORKER_LIMITS };
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

/**
 * A worker with no job for this long is stopped, and started again by the next job sent its way: an idle
 * proxy then holds no tokenizer and no worker heap (~70 MB). The next big block waits for the tokenizer
 * (as on a fresh proxy, bounded by the same limits); the new worker gets the decisions made so far (see
 * `seedFrom`), so only new blocks are compressed, to the same bytes. An agent's calls come seconds apart,
 * so a session in progress keeps its worker.
 */
export const WORKER_IDLE_MS = 30_000;
/** Conversations whose worker the pool remembers (an entry is a few dozen bytes). */
const MAX_CONVERSATIONS = 10_000;

/** What the pool posts to a worker: the jobs of one turn of the event loop, in order. */
export type JobMessage = { readonly id: number; readonly job: BodyJob; readonly count?: true };
/** Decisions a worker puts in its memo before its first job (least recently used first). */
export type SeedMessage = { readonly seed: readonly (readonly [string, MemoEntry])[] };

interface Slot {
  worker: Worker | undefined;
  /** Jobs to post together (at the end of this turn of the event loop, or after `LATER_MS`). */
  readonly outbox: JobMessage[];
  /** When the outbox goes: posted at the end of this turn, or on a timer when only `later` jobs wait. */
  posting: 'now' | NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  ready: Promise<void>;
  warm: boolean;
  readonly pending: Map<number, { settle: (reply: JobReply) => void; reject: (e: Error) => void }>;
}

export function createCompressPool(
  config: WorkerConfig,
  size = defaultPoolSize(),
  idleMs = WORKER_IDLE_MS,
  laterMs = LATER_MS,
): CompressPool {
  const slots: Slot[] = Array.from({ length: size }, () => ({
    worker: undefined,
    outbox: [],
    posting: undefined,
    idleTimer: undefined,
    ready: Promise.resolve(),
    warm: false,
    pending: new Map(),
  }));
  let nextId = 0;
  let closed = false;
  let seed: BlockMemo | undefined;
  const conversations = new LRUCache<number, Slot>({ max: MAX_CONVERSATIONS });

  /** Fewest jobs waiting; among those a running worker (no tokenizer to load), then the first. */
  function leastBusy(): Slot {
    let best = slots[0]!;
    for (const slot of slots) {
      const fewer = slot.pending.size < best.pending.size;
      const tie = slot.pending.size === best.pending.size;
      if (fewer || (tie && slot.worker !== undefined && best.worker === undefined)) best = slot;
    }
    return best;
  }

  /** Stops a worker that has had nothing to do for `idleMs`; the next job sent its way starts a new one. */
  function idleLater(slot: Slot, worker: Worker): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      // Only a worker that is ready stops: callers waiting for it to be ready must not wait forever.
      if (slot.worker !== worker || slot.pending.size > 0 || !slot.warm) return;
      slot.worker = undefined;
      slot.warm = false;
      void worker.terminate();
    }, idleMs);
    slot.idleTimer.unref();
  }

  /**
   * Jobs go to a worker after the current turn of the event loop, all of that turn's in one message: a
   * post wakes the worker thread (~50 µs on a small VM), which a small request's forwarding need not wait
   * for, and 32 requests arriving together need not pay 32 times. `later` jobs wait up to `laterMs` for
   * others (or go with the next `now` job, in order).
   */
  function send(slot: Slot, message: JobMessage, when: Urgency): void {
    slot.outbox.push(message);
    if (slot.posting === 'now') return;
    // To the slot's worker when posted: one that failed meanwhile has rejected its jobs, and its
    // replacement takes the jobs that came after.
    const post = () => {
      slot.posting = undefined;
      slot.worker?.postMessage(slot.outbox.splice(0));
    };
    if (when === 'later') {
      slot.posting ??= setTimeout(post, laterMs);
      return;
    }
    clearTimeout(slot.posting);
    slot.posting = 'now';
    setImmediate(post);
  }

  function start(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const worker = spawnWorker(config);
    // An idle pool must not keep the process alive (a CLI that forgot to stop the proxy still exits).
    worker.unref();
    const decisions = seed?.decisions?.() ?? [];
    // Posted before any job (jobs go at the end of this turn of the event loop).
    if (decisions.length > 0) worker.postMessage({ seed: decisions } satisfies SeedMessage);
    slot.worker = worker;
    slot.warm = false;
    let markReady!: () => void;
    slot.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    const answer = (reply: WorkerReply): void => {
      if (reply.type === 'ready') {
        slot.warm = true;
        markReady();
        if (slot.pending.size === 0) idleLater(slot, worker);
        return;
      }
      const waiter = slot.pending.get(reply.id);
      if (!waiter) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) {
        worker.unref();
        idleLater(slot, worker);
      }
      if (reply.type === 'error') waiter.reject(new Error(`compression worker: ${reply.message}`));
      else waiter.settle(reply);
    };
    // Counts come back together, a batch in one message (see the worker).
    worker.on('message', (message: WorkerReply | readonly WorkerReply[]) => {
      if (Array.isArray(message)) for (const reply of message) answer(reply);
      else answer(message as WorkerReply);
    });
    const fail = (error: Error): void => {
      // A worker stopped for idleness has already been replaced (or will be, on demand).
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.warm = false;
      markReady();
      for (const waiter of slot.pending.values()) waiter.reject(error);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`compression worker exited with code ${code}`)));
    return worker;
  }

  /** Sends a job to its conversation's worker; `read` turns the worker's reply into the caller's result. */
  function submit<T>(
    message: Omit<JobMessage, 'id'>,
    affinity: number,
    when: Urgency,
    read: (reply: JobReply) => T,
  ): Promise<T> {
    if (closed) return Promise.reject(new Error('compression pool closed'));
    let slot = conversations.get(affinity);
    if (slot === undefined) {
      slot = leastBusy();
      conversations.set(affinity, slot);
    }
    clearTimeout(slot.idleTimer);
    const worker = start(slot);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const settle = (reply: JobReply): void => {
        try {
          resolve(read(reply));
        } catch (error) {
          reject(error as Error);
        }
      };
      slot.pending.set(id, { settle, reject });
      worker.ref();
      send(slot, { ...message, id }, when);
    });
  }

  return {
    get warm() {
      return slots.some((s) => s.warm);
    },
    get running() {
      return slots.filter((s) => s.worker !== undefined).length;
    },
    seedFrom(memo) {
      seed = memo;
    },
    warmUp() {
      if (closed) return Promise.resolve();
      const running = slots.filter((s) => s.worker !== undefined);
      if (running.length === 0) running.push(slots[0]!);
      for (const slot of running) start(slot);
      return Promise.race(running.map((s) => s.ready));
    },
    run(job, affinity) {
      return submit({ job }, affinity, 'now', (reply) => {
        if (reply.type !== 'result') throw new Error(`compression worker: a ${reply.type} reply to a job`);
        return { outcome: { ...reply.outcome, body: reply.outcome.body ?? job.raw }, learned: reply.learned };
      });
    },
    count(job, affinity) {
      return submit({ job, count: true }, affinity, 'later', (reply) => {
        if (reply.type !== 'counted') throw new Error(`compression worker: a ${reply.type} reply to a count`);
        return reply.tokens;
      });
    },
    async close() {
      closed = true;
      for (const s of slots) {
        clearTimeout(s.idleTimer);
        if (s.posting !== 'now') clearTimeout(s.posting);
      }
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
