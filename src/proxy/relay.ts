import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import type { LedgerEntry } from '../ledger/entry.js';
import { UPSTREAM_UNREACHABLE } from '../ledger/savings.js';
import { guessAgent } from './agent.js';
import { type BodyBuffers, createBodyBuffers } from './body-buffers.js';
import { answered, type BodyOutcome, notSent, passthrough } from './body-job.js';
import { browserRefusal, isJsonContentType } from './browser-guard.js';
import type { BodyCompressor } from './compress-body.js';
import {
  callUpstream,
  cancel,
  cancellation,
  pipeToClient,
  requestBodyWritten,
  type StreamOutcome,
  type UpstreamAgents,
  UpstreamTimeout,
  type UpstreamTimeouts,
  upstreamHeaders,
} from './forward.js';
import { completeEntry, ledgerEntry } from './ledger-entry.js';
import { type ResolvedProxyOptions, upstreamOf, upstreamUrl } from './options.js';
import { providerFor } from './providers/index.js';
import { openaiProvider } from './providers/openai.js';
import type { Provider } from './providers/provider.js';
import { declaredLength, type RequestBody, readBody } from './read-body.js';
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
      // No closure made here may wait for the count: it would keep the request (this scope's) alive.
      completeEntry(entry, outcome?.counting, settle, ctx.complete);
    },
  };
  return record;
}

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
  const body = provider.errorBody(message, status);
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
    // A target that is not a path (`*`, or absolute-form from a client that took headroom for an HTTP
    // proxy) names no endpoint of a provider's API.
    const query = queryAt < 0 ? '' : target.slice(queryAt + 1);
    const provider = path.startsWith('/') ? providerFor(path, req.headers, options.agent, query) : undefined;
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
    let sent = false;
    let responding = false;
    res.once('close', () => {
      if (res.writableFinished || responding) return;
      cancel(cancelled);
      // Left while its body was still arriving or being compressed: it never went out, nothing was billed.
      if (modelCall && !sent)
        record.outcome = notSent(
          record.outcome ?? passthrough(new Uint8Array(0), 'unknown', 'cancelled'),
          'cancelled',
        );
      // 499: the client closed the request before the provider answered (nginx's convention).
      record.done(499, undefined, 'cancelled');
    });

    let body: RequestBody | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      try {
        body = await readBody(req, (size) => {
          const buffer = buffers.take(size);
          lease.taken.push(buffer);
          return buffer;
        });
      } catch (error) {
        // The client left mid-upload: counted as cancelled above, and nothing to log.
        if (req.destroyed) return;
        throw error;
      }
    }
    if (modelCall && body instanceof Uint8Array) {
      record.outcome = await compressBody(body, provider, path, req.headers['content-encoding']);
      if (record.outcome.working) lease.busy.push(record.outcome.working);
      body = record.outcome.body;
    } else if (modelCall && body) {
      // Streamed as it arrives: never held whole, so never parsed.
      record.outcome = passthrough(new Uint8Array(0), 'unknown', 'too-large');
    }
    if (cancelled.cancelled) return;
    sent = true;

    const base = upstreamOf(options, provider.name);
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
      if (record.outcome) record.outcome = notSent(record.outcome, UPSTREAM_UNREACHABLE);
      record.done(502);
      return answer(
        res,
        provider,
        502,
        `headroom could not reach ${base.origin}: ${code}`,
        'upstream-unreachable',
      );
    }

    // The body's memory is reused only once the socket has written all of it: an early answer would
    // otherwise let the next request's body go out as the tail of this one.
    if (lease.taken.length > 0) lease.busy.push(requestBodyWritten(upstream));
    responding = true;
    const status = upstream.statusCode ?? 502;
    if (record.outcome) record.outcome = answered(record.outcome, status);
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
