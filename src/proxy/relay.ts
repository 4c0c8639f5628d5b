import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import type { LedgerEntry } from '../ledger/entry.js';
import { UPSTREAM_UNREACHABLE } from '../ledger/savings.js';
import { guessAgent } from './agent.js';
import { type BodyBuffers, createBodyBuffers } from './body-buffers.js';
import { type BodyOutcome, passthrough } from './body-job.js';
import { browserRefusal, isJsonContentType } from './browser-guard.js';
import { type BodyCompressor, MAX_COMPRESSED_BODY_BYTES } from './compress-body.js';
import {
  callUpstream,
  cancel,
  cancellation,
  pipeToClient,
  type StreamOutcome,
  type UpstreamAgents,
  UpstreamTimeout,
  type UpstreamTimeouts,
  upstreamHeaders,
} from './forward.js';
import { ledgerEntry } from './ledger-entry.js';
import { type ResolvedProxyOptions, upstreamUrl } from './options.js';
import { providerFor } from './providers/index.js';
import { openaiProvider } from './providers/openai.js';
import type { Provider } from './providers/provider.js';
import { createUsageReader, type Usage } from './usage.js';

export interface RelayContext {
  readonly options: ResolvedProxyOptions;
  readonly agents: UpstreamAgents;
  readonly timeouts: UpstreamTimeouts;
  readonly compressBody: BodyCompressor;
  /** Called once per model call, after its response ended, with its ledger entry. */
  readonly complete: (entry: LedgerEntry) => void;
  /** Called once per other forwarded request. */
  readonly recordOther: () => void;
  /** Receives a promise that settles when the request's response has ended. */
  readonly track: (done: Promise<void>) => void;
}

/** Statuses (and HEAD) whose responses carry no body. */
const hasNoBody = (method: string, status: number): boolean =>
  method === 'HEAD' || status === 204 || status === 205 || status === 304;

/** Longest a ledger line waits for a busy worker to count a body that went out uncounted. */
const COUNT_WAIT_MS = 10_000;

/** A request body: all of it, or (past the size bound) the part read so far and the rest still to come. */
type RequestBody = Uint8Array | { readonly head: Buffer[]; readonly rest: Readable };

function declaredLength(req: IncomingMessage): number | undefined {
  const value = Number(req.headers['content-length'] ?? Number.NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Bodies from this size on are gathered in shared memory: a compression worker then reads the very bytes
 * this thread holds instead of a copy (agents resend megabytes of conversation on every turn). With the
 * length declared, each chunk is copied in as it arrives and dies young, as it would in a plain pipe.
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
function readBody(req: IncomingMessage, take: (size: number) => Buffer): Promise<RequestBody> {
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
      if (into && size + chunk.length <= into.length) copyToShared(chunk, into, size);
      else {
        // More than declared: node's parser would not let this happen, but the bytes are kept anyway.
        if (into) parts.push(into.subarray(0, size));
        into = undefined;
        parts.push(chunk);
      }
      size += chunk.length;
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

function gather(parts: readonly Buffer[], size: number, take: (size: number) => Buffer): Buffer {
  const out = take(size);
  let at = 0;
  for (const part of parts) {
    copyToShared(part, out, at);
    at += part.length;
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

/**
 * The body memory one request took, given back once the request has finished (its response ended, its
 * body sent) and no compression job reads it any more.
 */
interface Lease {
  readonly taken: Buffer[];
  readonly busy: Promise<unknown>[];
}

/** One request from arrival to the end of its response: everything its ledger line needs, and one `done`. */
interface RequestRecord {
  outcome: BodyOutcome | undefined;
  /** The request's response has ended, one way or another; called once, later calls are ignored. */
  done(status: number, usage?: Usage, stream?: StreamOutcome): void;
  readonly finished: Promise<void>;
}

/**
 * Completes `entry` with the count of a body that went out uncounted. The count comes from a worker that
 * may be busy, so the line waits for it, boundedly. Only the entry is held meanwhile, not the request:
 * counts are batched for up to 50 ms, and a request kept that long would outlive the young generation.
 */
function whenCounted(
  counting: Promise<number>,
  entry: LedgerEntry,
  settle: () => void,
  complete: (entry: LedgerEntry) => void,
): void {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), COUNT_WAIT_MS);
  });
  Promise.race([counting.catch(() => undefined), bound]).then((n) => {
    clearTimeout(timer);
    settle();
    complete(n === undefined ? entry : { ...entry, tokensBefore: n, tokensAfter: n });
  });
}

function openRecord(
  ctx: RelayContext,
  req: IncomingMessage,
  provider: Provider,
  path: string,
  modelCall: boolean,
): RequestRecord {
  const arrived = performance.now();
  const ts = new Date().toISOString();
  let settle!: () => void;
  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });
  let ended = false;
  const record: RequestRecord = {
    outcome: undefined,
    finished,
    done(status, usage, stream) {
      if (ended) return;
      ended = true;
      if (!modelCall) {
        settle();
        ctx.recordOther();
        return;
      }
      const outcome = record.outcome;
      const entry = ledgerEntry(
        {
          ts,
          session: ctx.options.session,
          agent: ctx.options.agent ?? guessAgent(req.headers['user-agent']),
          provider: provider.name,
          path,
          status,
          latencyMs: performance.now() - arrived,
          usage,
          stream,
        },
        outcome,
      );
      if (!outcome?.counting) {
        settle();
        ctx.complete(entry);
        return;
      }
      // No closure made here may wait for the count: it would keep the request (this scope's) alive.
      whenCounted(outcome.counting, entry, settle, ctx.complete);
    },
  };
  return record;
}

/** A call that never reached its provider: nothing was billed, so nothing was saved. */
const unreachable = (outcome: BodyOutcome): BodyOutcome => ({
  ...outcome,
  tokensAfter: outcome.tokensBefore,
  tokensSaved: 0,
  transforms: [],
  passthroughReason: UPSTREAM_UNREACHABLE,
});

/** An answer the proxy gives itself, in the provider's error format. */
function answer(
  res: ServerResponse,
  provider: Provider,
  status: number,
  message: string,
  flag?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = provider.errorBody(message);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(flag ? { 'x-headroom-error': flag } : {}),
  });
  res.end(body);
}

/** A request for no provider (a bare `HEAD /` probe, a browser's `GET /favicon.ico`) is answered here. */
function unrouted(res: ServerResponse, method: string, path: string): void {
  const body = method === 'HEAD' ? '' : `headroom: ${path} is not a path of a model provider's API\n`;
  res.writeHead(404, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * The one relay path: a plain Node handler that forwards any request to its provider. Model calls get
 * their body compressed first; the response streams back byte for byte as it arrives, while its usage is
 * read on the side. The ledger line is written when the response ends (or the client leaves), so it
 * carries the provider's usage, the real latency and how the stream ended.
 */
export function createRelay(ctx: RelayContext): (req: IncomingMessage, res: ServerResponse) => void {
  const { options, agents, timeouts, compressBody, track } = ctx;
  // Agents call the same few paths over and over; parsing the URL again each time is measurable.
  const urls = new LRUCache<string, URL>({ max: 256 });
  const urlFor = (base: URL, target: string): URL => {
    const key = `${base.href} ${target}`;
    let url = urls.get(key);
    if (url === undefined) {
      url = upstreamUrl(base, target);
      urls.set(key, url);
    }
    return url;
  };
  const buffers: BodyBuffers = createBodyBuffers();

  async function relay(req: IncomingMessage, res: ServerResponse, lease: Lease): Promise<void> {
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt < 0 ? target : target.slice(0, queryAt);
    const method = req.method ?? 'GET';
    const provider = providerFor(path, req.headers, options.agent);
    if (!provider) return unrouted(res, method, path);
    const modelCall = provider.isModelCall(method, path);

    const refusal = browserRefusal(req.headers);
    if (refusal) return answer(res, provider, 403, `headroom: ${refusal}`);
    if (modelCall && !isJsonContentType(req.headers['content-type'])) {
      return answer(res, provider, 415, 'headroom: a model call must have content-type application/json');
    }

    const record = openRecord(ctx, req, provider, path, modelCall);
    track(record.finished);
    lease.busy.push(record.finished);
    const cancelled = cancellation();
    let responding = false;
    res.once('close', () => {
      if (res.writableFinished || responding) return;
      cancel(cancelled);
      // 499: the client closed the request before the provider answered (nginx's convention).
      record.done(499, undefined, 'cancelled');
    });

    let body: RequestBody | undefined;
    if (method !== 'GET' && method !== 'HEAD')
      body = await readBody(req, (size) => {
        const buffer = buffers.take(size);
        lease.taken.push(buffer);
        return buffer;
      });
    if (modelCall && body instanceof Uint8Array) {
      record.outcome = await compressBody(body, provider, path, req.headers['content-encoding']);
      if (record.outcome.working) lease.busy.push(record.outcome.working);
      body = record.outcome.body;
    } else if (modelCall && body) {
      // Streamed as it arrives: never held whole, so never parsed.
      record.outcome = passthrough(new Uint8Array(0), 'unknown', 'too-large');
    }
    if (cancelled.cancelled) return;

    const base = provider.name === 'anthropic' ? options.anthropicUpstream : options.openaiUpstream;
    let upstream: IncomingMessage;
    try {
      upstream = await callUpstream({
        url: urlFor(base, target),
        method,
        // A streamed body keeps the length its client declared (or stays chunked if it declared none).
        headers: upstreamHeaders(
          req.rawHeaders,
          body instanceof Uint8Array ? body.byteLength : declaredLength(req),
        ),
        body,
        cancellation: cancelled,
        agents,
        timeouts,
      });
    } catch (error) {
      if (cancelled.cancelled) return;
      if (error instanceof UpstreamTimeout) {
        record.done(504);
        const seconds = (error.phase === 'connect' ? timeouts.connectMs : timeouts.firstByteMs) / 1000;
        return answer(
          res,
          provider,
          504,
          `headroom: ${base.origin} did not ${error.phase === 'connect' ? 'accept a connection' : 'answer'} within ${seconds} s`,
          `upstream-${error.phase}-timeout`,
        );
      }
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      // Nothing reached the provider, so nothing was saved; the reason says why, not "nothing-to-compress".
      if (record.outcome) record.outcome = unreachable(record.outcome);
      record.done(502);
      return answer(
        res,
        provider,
        502,
        `headroom could not reach ${base.origin}: ${code}`,
        'upstream-unreachable',
      );
    }

    responding = true;
    const status = upstream.statusCode ?? 502;
    const reader = modelCall
      ? createUsageReader(upstream.headers['content-type'], upstream.headers['content-encoding'])
      : undefined;
    pipeToClient(
      upstream,
      res,
      { body: !hasNoBody(method, status), idleMs: timeouts.idleMs },
      (chunk) => reader?.push(chunk),
      (stream) => {
        if (!reader) return record.done(status, undefined, stream);
        reader.finish().then(
          (usage) => record.done(status, usage, stream),
          () => record.done(status, undefined, stream),
        );
      },
    );
  }

  return (req, res) => {
    const lease: Lease = { taken: [], busy: [] };
    relay(req, res, lease).then(
      () => {
        if (lease.taken.length === 0) return;
        Promise.all(lease.busy).then(() => {
          for (const buffer of lease.taken) buffers.give(buffer);
        });
      },
      (error: unknown) => {
        // A request that fails inside the proxy (e.g. the client vanished mid-upload) gets a quiet 500;
        // its body's memory is not reused (whatever still reads it keeps it, and the collector frees it).
        options.log?.(`proxy error: ${(error as Error).name}`);
        answer(res, openaiProvider, 500, 'headroom proxy error');
      },
    );
  };
}
