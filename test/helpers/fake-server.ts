import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake provider received it: exact body bytes and headers. */
export interface RecordedRequest {
  readonly method: string;
  /** Path with query string, as sent. */
  readonly url: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** sha256 hex of the body bytes. */
  readonly sha256: string;
  json<T = Record<string, unknown>>(): T;
  /** How the response ended: `finished` (all bytes written) or `aborted` (the caller went away first). */
  readonly outcome: Promise<'finished' | 'aborted'>;
}

/** A fully scripted HTTP answer. `chunks` are written one by one, `delayMs` apart. */
export interface RawReply {
  readonly status?: number;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  readonly chunks?: readonly (string | Buffer)[];
  readonly delayMs?: number;
  /** Wait this long before sending the status line (a provider still thinking). */
  readonly headDelayMs?: number;
  /** Keep the response open after the last chunk (until the caller aborts or the server closes). */
  readonly hang?: boolean;
}

export type Handler = (req: RecordedRequest, index: number) => RawReply | Promise<RawReply>;

export interface FakeServer {
  /** Origin, e.g. http://127.0.0.1:43123 (no path). */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** The node server, for fakes that also answer upgrades. */
  readonly http: Server;
  close(): Promise<void>;
}

/** Splits bytes into pieces of `size` bytes: cuts land inside events, lines and multi-byte characters. */
export function splitBytes(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function write(res: ServerResponse, reply: RawReply): Promise<void> {
  if (reply.headDelayMs) await sleep(reply.headDelayMs);
  if (res.destroyed) return;
  res.writeHead(reply.status ?? 200, reply.headers ?? {});
  res.flushHeaders();
  const chunks = reply.chunks ?? (reply.body === undefined ? [] : [reply.body]);
  for (const [i, chunk] of chunks.entries()) {
    if (res.destroyed) return;
    if (i > 0 && reply.delayMs) await sleep(reply.delayMs);
    res.write(chunk);
  }
  if (!reply.hang) res.end();
}

/** A loopback HTTP server that records every request and answers through `handler`. */
export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const outcome = new Promise<'finished' | 'aborted'>((resolve) => {
        res.once('finish', () => resolve('finished'));
        res.once('close', () => resolve(res.writableFinished ? 'finished' : 'aborted'));
      });
      const url = req.url ?? '/';
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url,
        path: url.split('?')[0]!,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body,
        sha256: sha256(body),
        json: <T>() => JSON.parse(body.toString('utf8')) as T,
        outcome,
      };
      const index = requests.push(recorded) - 1;
      Promise.resolve(handler(recorded, index))
        .then((reply) => write(res, reply))
        .catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
    });
  });
  server.on('connection', (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    http: server,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Serialises server-sent events the way providers do: `event:` line, `data:` line, blank line. */
export function sse(events: readonly { event?: string; data: unknown }[]): Buffer {
  let out = '';
  for (const e of events) {
    if (e.event) out += `event: ${e.event}\n`;
    out += `data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`;
  }
  return Buffer.from(out, 'utf8');
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
};

let ids = 0;
/** A fresh id in a provider's style, unique across every fake: `msg_fake_000001`. */
export const fakeId = (prefix: string): string => `${prefix}_fake_${(++ids).toString().padStart(6, '0')}`;

/** Cuts text into roughly `n` pieces, on code points so no surrogate pair is split in JSON. */
export function pieces(text: string, n = 3): string[] {
  const chars = [...text];
  const size = Math.max(1, Math.ceil(chars.length / n));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out.length > 0 ? out : [''];
}

/** How a fake provider delivers its bodies: cut into pieces of `chunkSize` bytes, `delayMs` apart. */
export interface Delivery {
  readonly chunkSize?: number;
  readonly delayMs?: number;
}

export interface ReplyFramer {
  /** A reply carrying `body` as `delivery` asks, with a fresh request id in `requestIdHeader`. */
  framed(status: number, headers: Record<string, string>, body: Buffer, hang?: boolean): RawReply;
  json(status: number, value: unknown, headers?: Record<string, string>): RawReply;
}

export function replyFramer(delivery: Delivery, requestIdHeader: string): ReplyFramer {
  const framed = (status: number, headers: Record<string, string>, body: Buffer, hang = false): RawReply => ({
    status,
    headers: { [requestIdHeader]: fakeId('req'), ...headers },
    ...(delivery.chunkSize ? { chunks: splitBytes(body, delivery.chunkSize) } : { body }),
    ...(delivery.delayMs ? { delayMs: delivery.delayMs } : {}),
    hang,
  });
  return {
    framed,
    json: (status, value, headers = {}) =>
      framed(status, { 'content-type': 'application/json', ...headers }, Buffer.from(JSON.stringify(value))),
  };
}
