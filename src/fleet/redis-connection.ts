import type { Redis } from 'ioredis';
import { credentialsIn, withoutCredentials } from '../proxy/options.js';

/** `down`: the connection was lost or refused; ioredis keeps trying to reconnect on its own. */
export type FleetRedisStatus = 'connecting' | 'ready' | 'down' | 'closed';

/** What `/health`, `/stats` and `doctor` say about a replica's Redis: never its password. */
export interface FleetRedisState {
  /** The URL without user name or password. */
  readonly url: string;
  readonly status: FleetRedisStatus;
  /** When the status last changed (ISO). */
  readonly since: string;
  /** Why it is not ready (the connection's last error); when ready, the last command that failed, if any. */
  readonly reason?: string;
  /** Commands that failed or ran out of time since start; each one's work stayed local. */
  readonly failedOps: number;
}

/** One connection to the fleet's Redis, shared by whatever a process (or worker thread) writes there. */
export interface FleetRedis {
  readonly prefix: string;
  /**
   * Runs commands on the connection. Rejects at once when Redis is not connected (commands are never
   * queued for later) and after `FLEET_OP_TIMEOUT_MS` when it is slow: nobody waits on Redis for longer.
   */
  use<T>(op: (client: Redis) => Promise<T>): Promise<T>;
  /** Called each time the connection becomes ready (again). */
  onReady(listener: () => void): void;
  /** Settles once ioredis is loaded and the connection opening (whether or not it succeeds). */
  readonly loaded: Promise<void>;
  state(): FleetRedisState;
  close(): Promise<void>;
}

/**
 * Longest any request (or ledger write) waits on Redis. On loopback a command takes ~0.1 ms and a
 * megabyte original ~2 ms; a Redis that cannot answer in this long is treated as down for that command.
 */
export const FLEET_OP_TIMEOUT_MS = 250;
/** Longest between reconnection attempts; ioredis retries for ever, sooner at first. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/** A failure as shown to the user: the message without any credential the URL held, on one short line. */
export function failureText(error: unknown, url: string): string {
  // ioredis fails a command cut off by a lost connection with this; its message names an option of ours.
  if (error instanceof Error && error.name === 'MaxRetriesPerRequestError')
    return 'the connection was lost while a command ran';
  let text = error instanceof Error ? error.message : String(error);
  // Longest first, so a secret holding another one is masked whole.
  for (const secret of credentialsIn(url).sort((x, y) => y.length - x.length))
    text = text.split(secret).join('***');
  return text.replace(/\s+/g, ' ').slice(0, 200);
}

/**
 * Opens the connection (ioredis is loaded only now, so a proxy without a fleet never loads it). Errors are
 * recorded, never thrown or printed: ioredis prints an unhandled `error` event, and its messages are
 * ours to word.
 */
export function connectFleetRedis(
  config: { readonly url: string; readonly prefix: string },
  role: string,
  options: {
    /** Transitions after the first connection (lost, back), one line each. */
    readonly log?: (line: string) => void;
    /** Longest a command may take; `FLEET_OP_TIMEOUT_MS` unless a reader with nobody waiting wants longer. */
    readonly timeoutMs?: number;
  } = {},
): FleetRedis {
  const { log, timeoutMs = FLEET_OP_TIMEOUT_MS } = options;
  const shownUrl = withoutCredentials(config.url);
  let status: FleetRedisStatus = 'connecting';
  let since = new Date().toISOString();
  let connectionError: string | undefined;
  let opError: string | undefined;
  let failedOps = 0;
  /**
   * Commands that ran out of time and are still unanswered. A connected Redis that does not answer
   * (paused, hung) so costs one command the bound, not each one: the others fail at once until it answers,
   * and nothing piles up in the client meanwhile.
   */
  let unanswered = 0;
  /** Set once the first connection attempt ended either way: until then a command may wait for it. */
  let firstAttemptDone = false;
  let closed = false;
  const readyListeners: (() => void)[] = [];
  const move = (next: FleetRedisStatus): void => {
    if (status === next || status === 'closed') return;
    // Changes after the first connection, for the operator's log (the start line says the first).
    if (status === 'ready' && next === 'down')
      log?.(`fleet: lost Redis at ${shownUrl}; serving from the local store and ledger, reconnecting`);
    if (status === 'down' && next === 'ready') log?.(`fleet: Redis at ${shownUrl} is back`);
    status = next;
    since = new Date().toISOString();
  };

  const client: Promise<Redis> = import('ioredis').then((loaded) => {
    // ioredis is CommonJS: its class is a named export from node's loader, under `default` in the bundle.
    const Redis = loaded.Redis ?? (loaded as unknown as { default: typeof loaded }).default.Redis;
    const redis = new Redis(config.url, {
      connectionName: `headroom-${role}`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
      retryStrategy: (times) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
    });
    redis.on('ready', () => {
      firstAttemptDone = true;
      connectionError = undefined;
      move('ready');
      for (const listener of readyListeners) listener();
    });
    redis.on('error', (error: unknown) => {
      firstAttemptDone = true;
      connectionError = failureText(error, config.url);
    });
    redis.on('close', () => {
      firstAttemptDone = true;
      // Until a reconnection attempt says more (ECONNREFUSED…).
      if (status === 'ready') connectionError = 'the connection closed';
      move('down');
    });
    redis.on('end', () => move('closed'));
    if (closed) redis.disconnect();
    return redis;
  });

  // A client that could not be made fails each command (which records why), never the process.
  client.catch((error: unknown) => {
    connectionError = failureText(error, config.url);
    move('down');
  });

  /** The client once it is ready; the first attempt, under way, is waited for (within the bound). */
  async function ready(redis: Redis): Promise<Redis> {
    if (redis.status === 'ready') return redis;
    if (firstAttemptDone || closed)
      throw new Error(`Redis is ${status}${connectionError ? ` (${connectionError})` : ''}`);
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        redis.off('ready', done);
        redis.off('error', done);
        if (redis.status === 'ready') resolve();
        else {
          // It had its chance: a Redis that takes the connection but never answers costs no later command this wait.
          firstAttemptDone = true;
          connectionError ??= 'it took the connection but did not answer in time';
          reject(new Error(connectionError));
        }
      };
      const timer = setTimeout(done, timeoutMs);
      redis.once('ready', done);
      redis.once('error', done);
    });
    return redis;
  }

  return {
    prefix: config.prefix,
    async use(op) {
      let timer: NodeJS.Timeout | undefined;
      let running: Promise<unknown> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // Still waiting for its answer: until it comes, later commands fail at once (see `unanswered`).
          if (running !== undefined) {
            unanswered += 1;
            void running.catch(() => undefined).finally(() => (unanswered -= 1));
          }
          reject(new Error('Redis did not answer in time'));
        }, timeoutMs);
      });
      try {
        if (unanswered > 0) throw new Error('Redis has not answered an earlier command yet');
        const result = client.then(ready).then(op);
        running = result;
        return await Promise.race([result, late]);
      } catch (error) {
        failedOps += 1;
        opError = failureText(error, config.url);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    onReady(listener) {
      readyListeners.push(listener);
    },
    loaded: client.then(
      () => undefined,
      () => undefined,
    ),
    state() {
      const reason = status === 'ready' ? opError : (connectionError ?? opError);
      return { url: shownUrl, status, since, ...(reason === undefined ? {} : { reason }), failedOps };
    },
    async close() {
      closed = true;
      const redis = await client.catch(() => undefined);
      if (redis?.status === 'ready') {
        await Promise.race([
          redis.quit().catch(() => undefined),
          new Promise((r) => setTimeout(r, FLEET_OP_TIMEOUT_MS)),
        ]);
      }
      redis?.disconnect();
      move('closed');
    },
  };
}
