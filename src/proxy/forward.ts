import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

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

/** The headers sent upstream: everything the client sent except hop-by-hop ones, with the real length. */
export function upstreamHeaders(incoming: Headers, bodyLength: number | undefined): Record<string, string> {
  const listed = connectionTokens(incoming.get('connection'));
  const out: Record<string, string> = {};
  for (const [name, value] of incoming) {
    if (DROPPED_REQUEST_HEADERS.has(name) || name.startsWith('proxy-') || listed.has(name)) continue;
    out[name] = value;
  }
  if (bodyLength !== undefined) out['content-length'] = String(bodyLength);
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

/** The headers returned to the client, as a web `Headers` (for the in-process path). */
export function clientHeaders(res: IncomingMessage): Headers {
  const out = new Headers();
  for (const [name, value] of responseHeaderPairs(res)) out.append(name, value);
  return out;
}

export interface UpstreamCall {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | undefined;
  readonly signal: AbortSignal;
  readonly agents: UpstreamAgents;
}

/** Sends the request and resolves when the response head arrives; the body is left to stream. */
export function callUpstream(call: UpstreamCall): Promise<IncomingMessage> {
  const https = call.url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(call.url, {
      method: call.method,
      headers: call.headers,
      agent: https ? call.agents.https : call.agents.http,
      signal: call.signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(call.body);
  });
}

/**
 * The upstream body as a web stream for the client, chunk by chunk as it arrives (pausing the socket when
 * the client reads slower). `tap` sees each chunk; `done` is told once how the body ended. Cancelling (the
 * client went away) destroys the upstream response, which closes the provider's connection.
 */
export function relayBody(
  res: IncomingMessage,
  tap: (chunk: Buffer) => void,
  done: (outcome: 'end' | 'error' | 'cancel') => void,
): ReadableStream<Uint8Array> {
  let finished = false;
  const finish = (outcome: 'end' | 'error' | 'cancel'): void => {
    if (finished) return;
    finished = true;
    done(outcome);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        res.on('data', (chunk: Buffer) => {
          if (finished) return;
          controller.enqueue(chunk);
          tap(chunk);
          if ((controller.desiredSize ?? 1) <= 0) res.pause();
        });
        res.once('end', () => {
          finish('end');
          controller.close();
        });
        res.once('error', (error) => {
          finish('error');
          controller.error(error);
        });
        res.once('close', () => {
          if (!res.complete) {
            finish('error');
            try {
              controller.error(new Error('upstream closed the response early'));
            } catch {
              // Already closed or errored.
            }
          }
        });
      },
      pull() {
        res.resume();
      },
      cancel() {
        finish('cancel');
        res.destroy();
      },
    },
    { highWaterMark: 16 },
  );
}

/**
 * The fast path under @hono/node-server: the provider's status line, headers (case, order and repeats such
 * as set-cookie kept) and body bytes go straight onto the client's socket, with no web-stream layer in
 * between. Backpressure and aborts work as in `relayBody`.
 */
export function pipeToClient(
  res: IncomingMessage,
  out: ServerResponse,
  options: { readonly body: boolean },
  tap: (chunk: Buffer) => void,
  done: (outcome: 'end' | 'error' | 'cancel') => void,
): void {
  let finished = false;
  const finish = (outcome: 'end' | 'error' | 'cancel'): void => {
    if (finished) return;
    finished = true;
    done(outcome);
  };
  const pairs = responseHeaderPairs(res);
  out.writeHead(res.statusCode ?? 502, res.statusMessage, pairs.flat());
  // An event stream's headers go out at once, as the provider sent them; other bodies carry theirs.
  if (/^text\/event-stream/i.test(res.headers['content-type'] ?? '')) out.flushHeaders();
  out.once('close', () => {
    if (out.writableFinished) return;
    finish('cancel');
    res.destroy();
  });
  if (!options.body) {
    res.resume();
    res.once('end', () => {
      out.end();
      finish('end');
    });
    return;
  }
  res.on('data', (chunk: Buffer) => {
    // The client gets the bytes first; reading usage from them can wait a moment.
    const flowing = out.write(chunk);
    tap(chunk);
    if (!flowing) {
      res.pause();
      out.once('drain', () => res.resume());
    }
  });
  res.once('end', () => {
    out.end();
    finish('end');
  });
  res.once('close', () => {
    if (res.complete) return;
    finish('error');
    out.destroy();
  });
}
