import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

/**
 * Upstream calls go through node:http rather than fetch: fetch decompresses bodies on its own while
 * keeping `content-encoding`, and re-frames them, which would hand the client bytes the provider never
 * sent. node:http gives the provider's bytes as they arrive, with `accept-encoding` passed through as
 * the client sent it.
 */
export interface UpstreamAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  destroy(): void;
}

export function createUpstreamAgents(): UpstreamAgents {
  const http = new HttpAgent({ keepAlive: true });
  const https = new HttpsAgent({ keepAlive: true });
  return {
    http,
    https,
    destroy() {
      http.destroy();
      https.destroy();
    },
  };
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message, so they stop here. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade'];

/** `host` is the upstream's, `content-length` is recomputed, and `expect` was already answered by our server. */
const DROPPED_REQUEST_HEADERS = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
  'http2-settings',
]);

const DROPPED_RESPONSE_HEADERS = new Set(HOP_BY_HOP);

/** Names the `connection` header lists are hop-by-hop too. */
function connectionTokens(value: string | null | undefined): Set<string> {
  const tokens = new Set<string>();
  for (const t of (value ?? '').split(',')) {
    const name = t.trim().toLowerCase();
    if (name) tokens.add(name);
  }
  return tokens;
}

/** The headers sent upstream: everything the client sent (names as it wrote them) except hop-by-hop ones, with the real length. */
export function upstreamHeaders(rawHeaders: readonly string[], bodyLength: number | undefined): string[] {
  let connection = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'connection') connection += `,${rawHeaders[i + 1]}`;
  }
  const listed = connectionTokens(connection);
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (DROPPED_REQUEST_HEADERS.has(lower) || lower.startsWith('proxy-') || listed.has(lower)) continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  if (bodyLength !== undefined) out.push('content-length', String(bodyLength));
  return out;
}

/** The provider's response headers as [name, value] pairs, minus those that described its connection to us. */
function responseHeaderPairs(res: IncomingMessage): [string, string][] {
  const connection = res.headers.connection;
  const listed = connectionTokens(Array.isArray(connection) ? connection.join(',') : connection);
  const out: [string, string][] = [];
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (DROPPED_RESPONSE_HEADERS.has(lower) || lower.startsWith('proxy-') || listed.has(lower)) continue;
    out.push([name, raw[i + 1]!]);
  }
  return out;
}

/** How long the proxy waits on the provider before answering 504 (or ending a stalled stream). */
export interface UpstreamTimeouts {
  /** Opening a new connection. */
  readonly connectMs: number;
  /** From the request being sent to the response's status line. */
  readonly firstByteMs: number;
  /** Between two pieces of a response body (streams included). */
  readonly idleMs: number;
}

export const DEFAULT_UPSTREAM_TIMEOUTS: UpstreamTimeouts = {
  connectMs: 10_000,
  // Non-streaming calls answer only when the whole answer is written; reasoning models take minutes.
  firstByteMs: 600_000,
  // Providers send pings on open streams; five silent minutes is a dead connection.
  idleMs: 300_000,
};

/** The provider did not answer in time; `phase` says which wait ran out. */
export class UpstreamTimeout extends Error {
  constructor(readonly phase: 'connect' | 'first-byte') {
    super(`upstream ${phase} timeout`);
    this.name = 'UpstreamTimeout';
  }
}

/**
 * Lets the relay drop an upstream call when its client leaves. A plain flag and callback: an AbortSignal
 * given to node's http client costs several listeners and an abort-signal wrapper on every request.
 */
export interface Cancellation {
  cancelled: boolean;
  /** Set by the call in flight: ends it. */
  onCancel: (() => void) | undefined;
}

export function cancellation(): Cancellation {
  return { cancelled: false, onCancel: undefined };
}

/** Marks `c` cancelled and ends the call in flight, if any. */
export function cancel(c: Cancellation): void {
  c.cancelled = true;
  c.onCancel?.();
}

export interface UpstreamCall {
  readonly url: URL;
  readonly method: string;
  /** Flat name/value list, as `rawHeaders`. */
  readonly headers: readonly string[];
  /** The whole body, or the part read so far and the rest still arriving from the client. */
  readonly body: Uint8Array | { readonly head: readonly Buffer[]; readonly rest: Readable } | undefined;
  readonly cancellation: Cancellation;
  readonly agents: UpstreamAgents;
  readonly timeouts: UpstreamTimeouts;
}

/**
 * Sends the request and resolves when the response head arrives; the body is left to stream. A kept-alive
 * socket the provider closed while idle fails before any response byte; the request is then sent once
 * more on a fresh socket, which is safe because nothing of it was processed and its body is still in hand.
 */
export function callUpstream(call: UpstreamCall): Promise<IncomingMessage> {
  return attempt(call, call.body === undefined || call.body instanceof Uint8Array, false);
}

function attempt(call: UpstreamCall, mayRetry: boolean, fresh: boolean): Promise<IncomingMessage> {
  const https = call.url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const req = send(call.url, {
      method: call.method,
      // With headers as a list, node adds no Host of its own.
      headers: ['Host', call.url.host, ...call.headers],
      // The retry takes a connection of its own: another pooled socket may be just as stale.
      agent: fresh ? false : https ? call.agents.https : call.agents.http,
    });
    call.cancellation.onCancel = () => req.destroy(new Error('the client left'));
    const arm = (ms: number, phase: 'connect' | 'first-byte'): void => {
      clearTimeout(timer);
      timer = setTimeout(() => req.destroy(new UpstreamTimeout(phase)), ms);
    };
    req.once('socket', (socket) => {
      if (socket.connecting) {
        arm(call.timeouts.connectMs, 'connect');
        socket.once('connect', () => clearTimeout(timer));
      }
    });
    req.once('finish', () => arm(call.timeouts.firstByteMs, 'first-byte'));
    req.once('response', (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    req.once('error', (error) => {
      clearTimeout(timer);
      if (
        mayRetry &&
        req.reusedSocket &&
        !call.cancellation.cancelled &&
        !(error instanceof UpstreamTimeout)
      ) {
        resolve(attempt(call, false, true));
      } else reject(error);
    });
    const body = call.body;
    if (body === undefined || body instanceof Uint8Array) {
      req.end(body);
      return;
    }
    for (const part of body.head) req.write(part);
    body.rest.pipe(req);
  });
}

/**
 * Settles once the request `res` answers reads nothing more of its body: all of it written, or its
 * connection gone. A provider may answer (413, 429) before it has taken the whole body in, and the socket
 * then goes on writing from the body's memory after the response has ended.
 */
export function requestBodyWritten(res: IncomingMessage): Promise<void> {
  // Node's client sets `req` on each response it parses.
  const req = (res as IncomingMessage & { readonly req: ClientRequest }).req;
  if (req.writableFinished || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once('finish', resolve);
    req.once('close', resolve);
  });
}

/** How a response body ended for the client: all of it, cut by the provider (or a stall), or left by the client. */
export type StreamOutcome = 'completed' | 'broken' | 'cancelled';

/**
 * The provider's status line, headers (case, order and repeats such as set-cookie kept) and body bytes go
 * straight onto the client's socket as they arrive. The provider is paused while the client reads slower;
 * a client that leaves closes the provider's connection; a provider silent for `idleMs` mid-body (not
 * counting the time the client takes to read what it was sent) is cut
 * off. `done` is told once how the body ended.
 */
export function pipeToClient(
  res: IncomingMessage,
  out: ServerResponse,
  options: { readonly body: boolean; readonly idleMs: number },
  tap: (chunk: Buffer) => void,
  done: (outcome: StreamOutcome) => void,
): void {
  let finished = false;
  const cut = (): void => {
    res.destroy();
  };
  let idle = setTimeout(cut, options.idleMs);
  const finish = (outcome: StreamOutcome): void => {
    if (finished) return;
    finished = true;
    clearTimeout(idle);
    done(outcome);
  };
  const pairs = responseHeaderPairs(res);
  out.writeHead(res.statusCode ?? 502, res.statusMessage, pairs.flat());
  // An event stream's headers go out at once, as the provider sent them; other bodies carry theirs.
  if (/^text\/event-stream/i.test(res.headers['content-type'] ?? '')) out.flushHeaders();
  out.once('close', () => {
    if (out.writableFinished) return;
    finish('cancelled');
    res.destroy();
  });
  res.once('end', () => {
    out.end();
    finish('completed');
  });
  res.once('close', () => {
    if (res.complete) return;
    finish('broken');
    out.destroy();
  });
  if (!options.body) {
    res.resume();
    return;
  }
  let draining = false;
  res.on('data', (chunk: Buffer) => {
    if (!draining) idle.refresh();
    // The client gets the bytes first; reading usage from them can wait a moment.
    const flowing = out.write(chunk);
    tap(chunk);
    if (!flowing && !draining) {
      draining = true;
      res.pause();
      // While the client is not reading, the provider is held back, not silent (an agent suspended
      // with Ctrl-Z must get the rest of its answer when it resumes).
      clearTimeout(idle);
      out.once('drain', () => {
        draining = false;
        if (finished) return;
        idle = setTimeout(cut, options.idleMs);
        res.resume();
      });
    }
  });
}
