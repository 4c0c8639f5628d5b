import type { LedgerEntry } from '../ledger/entry.js';
import { parseLedgerLine } from '../ledger/ledger.js';
import { Savings, type Totals } from '../ledger/savings.js';
import { addTo, totalsOf } from '../proxy/stats.js';
import type { FleetRedis } from './redis-connection.js';

/**
 * The fleet ledger: one Redis stream every replica appends its ledger entries to, each with the replica's
 * instance id and a sequence number, so whole-fleet reports are the same report code over all of them.
 * The local ledger stays the replica's own record; the stream is a copy, bounded in length.
 */
export const ledgerKey = (prefix: string): string => `${prefix}ledger`;

/** Entries waiting for Redis beyond this many are dropped oldest first (they stay in the local ledger). */
const MAX_BACKLOG = 10_000;
/** Entries per write: one MULTI, all applied or none. */
const BATCH = 128;

export interface FleetLedgerWriter {
  append(entry: LedgerEntry): void;
  /** Resolves when the entries appended so far are in Redis, or the attempt to write them failed. */
  flush(): Promise<void>;
  /** Entries not in Redis yet (it was down), and entries dropped because too many waited. */
  backlog(): { readonly waiting: number; readonly dropped: number };
}

/**
 * Appends entries to the stream, never making anyone wait: entries written while Redis is down wait in a
 * bounded backlog and go when it is back (the connection says when). A batch whose answer was lost may be
 * written twice; readers skip a sequence number they have seen (see `createFleetCursor`).
 */
export function createFleetLedgerWriter(
  redis: FleetRedis,
  instance: string,
  maxEntries: number,
): FleetLedgerWriter {
  const key = ledgerKey(redis.prefix);
  let seq = 0;
  let queue: { readonly n: number; readonly line: string }[] = [];
  let dropped = 0;
  let running: Promise<void> | undefined;
  /**
   * Set while a batch that ran out of time is still unanswered on the connection (Redis paused or hung):
   * nothing more is sent until its answer comes, else every later write would queue another copy of the
   * backlog's head in the client's memory and, once Redis answers, in the stream.
   */
  let unanswered = false;

  /** The entries up to `last` are in Redis; entries dropped meanwhile came off the front. */
  const written = (last: number): void => {
    queue = queue.filter((item) => item.n > last);
  };

  /**
   * Writes the queue out; false when Redis refused or a batch is unanswered, so the rest waits for the
   * connection to be ready again, or for that answer.
   */
  async function drain(): Promise<boolean> {
    while (queue.length > 0) {
      if (unanswered) return false;
      const batch = queue.slice(0, BATCH);
      const last = batch[batch.length - 1]!.n;
      let sent: Promise<void> | undefined;
      try {
        await redis.use((client) => {
          const multi = client.multi();
          for (const { n, line } of batch)
            multi.xadd(key, 'MAXLEN', '~', maxEntries, '*', 'i', instance, 'n', n, 'e', line);
          sent = multi.exec().then((replies) => {
            const failed = replies?.find(([error]) => error !== null)?.[0];
            if (replies === null || failed) throw failed ?? new Error('Redis discarded the ledger batch');
          });
          return sent;
        });
      } catch {
        if (sent !== undefined) awaitLateAnswer(sent, last);
        return false;
      }
      written(last);
    }
    return true;
  }

  /** A batch that went out but was not answered in time: its answer, whenever it comes, says whether it was written. */
  function awaitLateAnswer(sent: Promise<void>, last: number): void {
    unanswered = true;
    sent.then(
      () => {
        unanswered = false;
        written(last);
        write();
      },
      () => {
        // Refused or cut off: the batch waits, for the next entry or for the connection to be ready again.
        unanswered = false;
      },
    );
  }

  const write = (): void => {
    if (queue.length === 0) return;
    running ??= drain().then((ok) => {
      running = undefined;
      // Entries appended after the last batch went, while this write was finishing.
      if (ok && queue.length > 0) write();
    });
  };
  redis.onReady(write);

  return {
    append(entry) {
      seq += 1;
      queue.push({ n: seq, line: JSON.stringify(entry) });
      if (queue.length > MAX_BACKLOG) {
        queue.shift();
        dropped += 1;
      }
      write();
    },
    async flush() {
      while (running) await running;
    },
    backlog: () => ({ waiting: queue.length, dropped }),
  };
}

/** The whole fleet's totals, summed by the same `Savings` as every other report. */
export interface FleetTotals {
  /** Replicas with at least one entry in the stream. */
  readonly instances: number;
  readonly totals: Totals;
  readonly byInstance: Readonly<Record<string, Totals>>;
}

/** Where a reader is in the stream, and the last sequence number it saw of each replica. */
export interface FleetCursor {
  lastId: string | undefined;
  readonly seen: Map<string, number>;
}

export const createFleetCursor = (): FleetCursor => ({ lastId: undefined, seen: new Map() });

/** Entries per read. */
const PAGE = 1_000;

/**
 * Reads the next page of the stream after the cursor: each entry new to it, with its replica. Lines that
 * are not valid entries are counted. `done` when the stream has nothing after this page.
 */
export async function readFleetPage(
  redis: FleetRedis,
  cursor: FleetCursor,
): Promise<{ entries: { instance: string; entry: LedgerEntry }[]; skipped: number; done: boolean }> {
  const start = cursor.lastId === undefined ? '-' : `(${cursor.lastId}`;
  const page = await redis.use((client) => client.xrange(ledgerKey(redis.prefix), start, '+', 'COUNT', PAGE));
  const entries: { instance: string; entry: LedgerEntry }[] = [];
  let skipped = 0;
  for (const [id, fields] of page) {
    cursor.lastId = id;
    const field = (name: string): string | undefined => {
      const at = fields.indexOf(name);
      return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    };
    const instance = field('i');
    const n = Number(field('n'));
    const entry = parseLedgerLine(field('e') ?? '');
    if (instance === undefined || !Number.isInteger(n) || entry === undefined) {
      skipped += 1;
      continue;
    }
    if (n <= (cursor.seen.get(instance) ?? 0)) continue;
    cursor.seen.set(instance, n);
    entries.push({ instance, entry });
  }
  return { entries, skipped, done: page.length < PAGE };
}

/** The whole stream (`headroom stats --redis`): every replica's entries, each once. */
export async function readFleetLedger(
  redis: FleetRedis,
): Promise<{ entries: LedgerEntry[]; skipped: number; instances: number }> {
  const cursor = createFleetCursor();
  const entries: LedgerEntry[] = [];
  let skipped = 0;
  for (;;) {
    const page = await readFleetPage(redis, cursor);
    for (const { entry } of page.entries) entries.push(entry);
    skipped += page.skipped;
    if (page.done) return { entries, skipped, instances: cursor.seen.size };
  }
}

/** Pages one `/stats` call reads at most; the next call goes on from there. */
const PAGES_PER_CALL = 10;

/**
 * The fleet's totals for `/stats`, kept up to date incrementally: each call reads only what was appended
 * since the last one.
 */
export function createFleetTotals(
  redis: FleetRedis,
): () => Promise<FleetTotals & { readonly caughtUp: boolean }> {
  const cursor = createFleetCursor();
  const all = new Savings();
  const byInstance = new Map<string, Savings>();
  let reading: Promise<boolean> | undefined;

  async function catchUp(): Promise<boolean> {
    for (let i = 0; i < PAGES_PER_CALL; i += 1) {
      const { entries, done } = await readFleetPage(redis, cursor);
      for (const { instance, entry } of entries) {
        all.add(entry);
        addTo(byInstance, instance, entry);
      }
      if (done) return true;
    }
    return false;
  }

  return async () => {
    reading ??= catchUp().finally(() => {
      reading = undefined;
    });
    const caughtUp = await reading;
    return {
      instances: byInstance.size,
      totals: all.totals(),
      byInstance: totalsOf(byInstance),
      caughtUp,
    };
  };
}
